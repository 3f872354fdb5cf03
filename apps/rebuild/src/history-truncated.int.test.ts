import { Readable, Writable } from 'node:stream';
import { createKafka, sharedInfrastructure } from '@checkout/testkit';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createCliContext } from './cli-context.ts';
import { blueGreenRebuild } from './modes/blue-green.ts';
import { fakeArchive } from './testing/fake-archive.ts';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';
import {
  compareWithFold,
  produceStream,
  projectorHarness,
  readAllRecords,
} from '@checkout/projector/testing';

describe('history that Kafka retention deleted', () => {
  it('is refused with exit code 5, and rebuilt from the archive first, then Kafka', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('rebuild-truncated', {
      brokers: kafkaBrokers,
      redisUrl,
    });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 61,
      records: 6_000,
      concurrentSessions: 100,
    });
    const records = await readAllRecords(kafkaBrokers, harness.topics.physical);

    // Retention: the first 40 % of every partition is gone from Kafka.
    const admin = createKafka(kafkaBrokers, 'retention').admin();
    await admin.connect();
    const logStart = new Map<string, bigint>();
    for (const topic of harness.topics.physical) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const partitions = offsets.map(({ partition, high }) => ({
        partition,
        offset: String((BigInt(high) * 4n) / 10n),
      }));
      await admin.deleteTopicRecords({ topic, partitions });
      for (const { partition, offset } of partitions)
        logStart.set(`${topic}:${partition}`, BigInt(offset));
    }
    await admin.disconnect();
    const deleted = records.filter(
      (r) => BigInt(r.offset) < (logStart.get(`${r.topic}:${r.partition}`) ?? 0n),
    );
    expect(deleted.length).toBeGreaterThan(2_000);

    const env = rebuildEnv(harness);
    for (const args of [
      ['--from-offset', 'earliest', '--yes', '--json'],
      ['--verify', '--json'],
      ['--from-offset', '0', '--dry-run', '--json'],
    ]) {
      const refused = await runRebuildCli(env, args);
      expect(refused.code, args.join(' ')).toBe(5);
      expect(refused.json).toMatchObject({
        ok: false,
        exit_code: 5,
        error: { reason: 'historyTruncated', code: 'HISTORY_TRUNCATED' },
      });
    }
    expect(await harness.redis.exists(`${harness.namespace}:generation-seq`)).toBe(0); // refused before taking an id

    // The archive holds what Kafka lost: replayed first, then Kafka from the offsets it reached.
    let stdout = '';
    const context = createCliContext({
      env,
      stdout: new Writable({
        write: (chunk, _encoding, done) => ((stdout += String(chunk)), done()),
      }),
      stderr: new Writable({ write: (_chunk, _encoding, done) => done() }),
      stdin: Readable.from([]),
      signal: new AbortController().signal,
    });
    const action = context.action(async (_command: Command) =>
      blueGreenRebuild(
        context,
        { kind: 'new', start: { kind: 'earliest' } },
        { fetchBytes: undefined, archive: fakeArchive(deleted) },
      ),
    );
    try {
      await action({ optsWithGlobals: () => ({ yes: true, json: true }) } as unknown as Command);
    } finally {
      await context.close();
    }
    expect(context.exitCode(), stdout).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      generation: '1',
      switched: true,
      archive: { records: deleted.length },
      events: records.length - deleted.length,
    });
    const comparison = await compareWithFold(harness.redis, records, harness.topics, {
      namespace: harness.namespace,
      generation: '1',
    });
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.unexpectedKeys).toEqual([]);

    // Without EVENTSTORE_URL, --source eventstore is a usage error.
    expect(
      (await runRebuildCli(env, ['--from-offset', 'earliest', '--source', 'eventstore', '--yes']))
        .code,
    ).toBe(2);
  });
});
