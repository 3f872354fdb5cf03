import { setTimeout as sleep } from 'node:timers/promises';
import { keyspace } from '@checkout/redis';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { coordinates, deadLetterCopies } from './testing/dead-letter-copies.ts';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { spawnRebuildCli } from './testing/run-cli.ts';
import {
  compareWithFold,
  produceStream,
  projectorHarness,
  readAllRecords,
  highWatermarks,
  waitForCheckpoints,
} from '@checkout/projector/testing';

describe('dead letters of records that arrive while a blue/green rebuild runs', () => {
  it('are published once: the rebuild looks up what the live projector has passed', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('rebuild-dlq-once', {
      brokers: kafkaBrokers,
      redisUrl,
    });
    const poison = { poisonRate: 0.03 };
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 31,
      records: 12_000,
      concurrentSessions: 150,
      sessionPrefix: 'h',
      ...poison,
    });
    await harness.start();
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: await highWatermarks(kafkaBrokers, harness.topics),
      timeoutMs: 90_000,
    });
    const history = await highWatermarks(kafkaBrokers, harness.topics);

    // The rebuild is frozen as soon as it has read the dead-letter topic (it seeds its
    // checkpoints right after), long before it can reach the end of the history.
    const rebuild = spawnRebuildCli(rebuildEnv(harness), [
      '--from-offset',
      'earliest',
      '--yes',
      '--json',
    ]);
    let stdout = '';
    rebuild.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const seeded = keyspace(harness.namespace, '1').checkpoints(harness.group);
    while ((await harness.redis.exists(seeded)) === 0) {
      expect(rebuild.child.exitCode, rebuild.output.join('\n')).toBeNull();
      await sleep(5);
    }
    rebuild.child.kill('SIGSTOP');
    const frozenAt = await harness.redis.hgetall(seeded);
    const behind = [...history].filter(
      ([field, high]) => BigInt(frozenAt[field] ?? '0') < BigInt(high),
    );
    expect(behind.length, 'the rebuild is still replaying the history').toBeGreaterThan(0);

    // New poison while it is frozen: the live projector dead-letters it and commits past it.
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 32,
      records: 3_000,
      sessionPrefix: 'w',
      ...poison,
    });
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: await highWatermarks(kafkaBrokers, harness.topics),
      timeoutMs: 90_000,
    });
    rebuild.child.kill('SIGCONT');
    const exit = await rebuild.exited;
    expect(exit.code, rebuild.output.join('\n')).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ generation: '1', switched: true });

    const all = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const comparison = await compareWithFold(harness.redis, all, harness.topics, {
      namespace: harness.namespace,
      generation: '1',
    });
    expect(comparison.mismatches).toEqual([]);

    const copies = await deadLetterCopies(kafkaBrokers, harness.dlqTopic);
    const expected = comparison.expectedDeadLetters.map((entry) => coordinates(entry.original));
    expect(expected.filter((key) => !copies.has(key))).toEqual([]);
    expect([...copies].filter(([, count]) => count > 1)).toEqual([]);
    expect(copies.size).toBe(expected.length);
    const arrivedDuring = comparison.expectedDeadLetters.filter(
      ({ original }) =>
        BigInt(original.offset) >=
        BigInt(
          history.get(`${harness.topics.toLogical(original.topic)}:${original.partition}`) ?? '0',
        ),
    ).length;
    expect(arrivedDuring).toBeGreaterThan(30);
    console.info(
      `dead letters during a rebuild: ${expected.length} poison records, ${arrivedDuring} of them ` +
        `arrived while the rebuild ran; each published once (the rebuild left out ` +
        `${report['dead_letters_already_published']})`,
    );
  });
});
