import { setTimeout as sleep } from 'node:timers/promises';
import { keyspace } from '@checkout/redis';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { HEARTBEAT_STALE_MS } from './generations/generation-role.ts';
import { namespaceContents, rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli, spawnRebuildCli } from './testing/run-cli.ts';
import {
  compareWithFold,
  produceStream,
  projectorHarness,
  readAllRecords,
  highWatermarks,
  waitForCheckpoints,
} from '@checkout/projector/testing';

const RECORDS = 15_000;

describe('a rebuild killed with SIGKILL half-way', () => {
  it('leaves the live projection untouched, shows up as an orphan, and a new run completes', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('rebuild-killed', { brokers: kafkaBrokers, redisUrl });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 51,
      records: RECORDS,
      concurrentSessions: 150,
    });
    await harness.start();
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: await highWatermarks(kafkaBrokers, harness.topics),
      timeoutMs: 90_000,
    });
    const live = await namespaceContents(harness.redis, harness.namespace);
    const env = rebuildEnv(harness);

    // Small fetches make the replay slow and smooth enough to kill it in the middle.
    const child = spawnRebuildCli(env, [
      '--from-offset',
      'earliest',
      '--yes',
      '--json',
      '--fetch-bytes',
      '4096',
    ]);
    const checkpoints = keyspace(harness.namespace, '1').checkpoints(harness.group);
    let replayed = 0;
    const deadline = Date.now() + 60_000;
    while (replayed < RECORDS * 0.2) {
      if (child.child.exitCode !== null)
        throw new Error(
          `the rebuild finished before it could be killed:\n${child.output.join('\n')}`,
        );
      if (Date.now() > deadline) throw new Error(`no progress:\n${child.output.join('\n')}`);
      const stored = await harness.redis.hgetall(checkpoints);
      replayed = Object.values(stored).reduce((sum, offset) => sum + Number(offset), 0);
      await sleep(20);
    }
    child.child.kill('SIGKILL');
    expect(await child.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(replayed).toBeLessThan(RECORDS * 0.9);

    // Readers and the live projector never noticed: pointer and live keys exactly as before.
    const after = await namespaceContents(harness.redis, harness.namespace);
    const liveAfter = new Map(
      [...after].filter(([key]) => !key.includes(':gen:') && !key.endsWith(':generation-seq')),
    );
    expect(liveAfter).toEqual(live);
    expect(await harness.redis.get(`${harness.namespace}:active-generation`)).toBeNull();

    // Once its heartbeat is stale, generation 1 is listed as an orphan.
    await sleep(HEARTBEAT_STALE_MS + 500);
    const listed = await runRebuildCli(env, ['generations', 'list', '--json']);
    expect(listed.json['generations']).toEqual([
      expect.objectContaining({ id: 'base', role: 'active' }),
      expect.objectContaining({ id: '1', role: 'orphan', state: 'building', purpose: 'rebuild' }),
    ]);

    // Running again takes a new generation and completes.
    const rerun = await runRebuildCli(env, ['--from-offset', 'earliest', '--yes', '--json']);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.json).toMatchObject({ generation: '2', replaced: 'base', events: RECORDS });
    const records = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const comparison = await compareWithFold(harness.redis, records, harness.topics, {
      namespace: harness.namespace,
      generation: '2',
    });
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.unexpectedKeys).toEqual([]);

    // Clean-up: the orphan goes; the previous generation stays a rollback target.
    const dropped = await runRebuildCli(env, ['generations', 'drop', '1', '--yes', '--json']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.json['keys_removed']).toBeGreaterThan(100);
    expect(
      [...(await namespaceContents(harness.redis, harness.namespace)).keys()].filter((key) =>
        key.includes(':gen:1:'),
      ),
    ).toEqual([]);

    // Rollback: catch the base generation up from its own checkpoints and switch back to it.
    const rollback = await runRebuildCli(env, [
      'generations',
      'activate',
      'base',
      '--yes',
      '--json',
    ]);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(rollback.json).toMatchObject({ generation: 'base', replaced: '2', switched: true });
    expect(await harness.redis.get(`${harness.namespace}:active-generation`)).toBeNull();
    const roles = (await runRebuildCli(env, ['generations', 'list', '--json'])).json['generations'];
    expect(roles).toEqual([
      expect.objectContaining({ id: 'base', role: 'active' }),
      expect.objectContaining({ id: '2', role: 'previous' }),
    ]);
  });
});
