import { DEFAULT_DOMAIN_CONFIG } from '@checkout/domain';
import { foldBatch, parseBatch } from '@checkout/engine';
import { sharedInfrastructure, uniqueNames } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { produceLateEvents } from './testing/late-events.ts';
import { namespaceContents, rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';
import {
  compareWithFold,
  produceStream,
  projectorHarness,
  readAllRecords,
  highWatermarks,
  waitForCheckpoints,
} from '@checkout/projector/testing';

describe('checkout-rebuild --from-snapshot', () => {
  it('catches a Redis restored from an older copy up to the fold, replaying only what the copy lacks', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('rebuild-restore', { brokers: kafkaBrokers, redisUrl });
    const settle = async () =>
      waitForCheckpoints(harness.redis, {
        namespace: harness.namespace,
        group: harness.group,
        targets: await highWatermarks(kafkaBrokers, harness.topics),
        timeoutMs: 90_000,
      });

    await produceStream(kafkaBrokers, harness.topics, {
      seed: 31,
      records: 8_000,
      concurrentSessions: 120,
    });
    let projector = await harness.start();
    await settle();
    projector.kill('SIGTERM');
    expect((await projector.exited).code).toBe(0);

    // The backup: every key of the namespace, as DUMP/RESTORE would move it between servers.
    const backup = new Map<string, Buffer>();
    for (const key of (await namespaceContents(harness.redis, harness.namespace)).keys()) {
      backup.set(key, (await harness.redis.dumpBuffer(key))!);
    }
    const first = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const older = foldBatch(
      parseBatch(first, harness.topics, DEFAULT_DOMAIN_CONFIG),
      new Map(),
      harness.topics,
      DEFAULT_DOMAIN_CONFIG,
    );

    // Life goes on: new sessions, and new events for sessions the backup holds.
    projector = await harness.start();
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 32,
      records: 5_000,
      sessionPrefix: 'c',
    });
    await produceLateEvents(
      harness,
      older.snapshots.slice(0, 200).map(({ sessionId }) => sessionId),
      1,
    );
    await settle();
    projector.kill('SIGTERM');
    expect((await projector.exited).code).toBe(0);
    const all = await readAllRecords(kafkaBrokers, harness.topics.physical);

    // Disaster: Redis comes back from the older copy.
    for (const key of (await namespaceContents(harness.redis, harness.namespace)).keys())
      await harness.redis.del(key);
    for (const [key, dump] of backup) await harness.redis.restore(key, 0, dump);
    const restored = await compareWithFold(harness.redis, all, harness.topics, {
      namespace: harness.namespace,
    });
    expect(restored.mismatches.length).toBeGreaterThan(200);

    const env = rebuildEnv(harness);
    const dry = await runRebuildCli(env, ['--from-snapshot', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({
      dry_run: true,
      generation: 'base',
      events_to_replay: all.length - first.length,
    });

    const run = await runRebuildCli(env, ['--from-snapshot', '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.json).toMatchObject({
      mode: 'from-snapshot',
      generation: 'base',
      events: all.length - first.length,
    });
    const recovered = await compareWithFold(harness.redis, all, harness.topics, {
      namespace: harness.namespace,
    });
    expect(recovered.firstDifference?.stored, recovered.firstDifference?.sessionId).toEqual(
      recovered.firstDifference?.expected,
    );
    expect(recovered.mismatches).toEqual([]);
    expect(recovered.unexpectedKeys).toEqual([]);

    // Nothing left to do: a second run replays nothing and does not even join a group.
    expect((await runRebuildCli(env, ['--from-snapshot', '--json'])).json).toMatchObject({
      ok: true,
      events_to_replay: 0,
    });

    // A flushed Redis (here: an empty namespace) has no checkpoints: every partition from the log start.
    const flushed = uniqueNames('rebuild-flushed').prefix;
    const fromScratch = await runRebuildCli({ ...env, REDIS_NAMESPACE: flushed }, [
      '--from-snapshot',
      '--json',
    ]);
    try {
      expect(fromScratch.code, fromScratch.stderr).toBe(0);
      expect(fromScratch.json).toMatchObject({ events: all.length });
      const rebuilt = await compareWithFold(harness.redis, all, harness.topics, {
        namespace: flushed,
      });
      expect(rebuilt.mismatches).toEqual([]);
      expect(rebuilt.unexpectedKeys).toEqual([]);
    } finally {
      for (const key of (await namespaceContents(harness.redis, flushed)).keys())
        await harness.redis.del(key);
    }
  });
});
