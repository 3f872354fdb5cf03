import { keyspace } from '@checkout/redis';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { produceLateEvents } from './testing/late-events.ts';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';
import {
  compareWithFold,
  produceStream,
  projectorHarness,
  readAllRecords,
  waitUntilCaughtUp,
} from '@checkout/projector/testing';

/**
 * SPEC §6, "One bad key is not an outage": two snapshots become unreadable while the
 * projector runs (half a JSON document; a document of a newer schema_version, as a rolling
 * deploy's newer pods would write). Their sessions' records are dead-lettered as
 * `snapshot_unreadable`, the documents are never overwritten, every other session keeps
 * flowing and equals the fold; after `--session` repairs them and `dlq replay` brings the
 * parked records back, they equal the fold too.
 */
describe('a snapshot the projector cannot read', () => {
  it('parks that session in the dead-letter topic; the rest flows; repair and replay restore it', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('unreadable-snapshot', {
      brokers: kafkaBrokers,
      redisUrl,
    });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 81,
      records: 3_000,
      concurrentSessions: 60,
    });
    const projector = await harness.start();
    await waitUntilCaughtUp(harness);
    const first = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const { sessionIds } = await compareWithFold(harness.redis, first, harness.topics, {
      namespace: harness.namespace,
    });
    const keys = keyspace(harness.namespace);
    const [garbled, newer] = [sessionIds[3]!, sessionIds[7]!];
    const halfDocument = '{"schema_version":1,"session_id":"half a docum';
    const newerDocument = JSON.stringify({ schema_version: 99, session_id: newer, future: true });
    await harness.redis.set(keys.snapshot(garbled), halfDocument, 'KEEPTTL');
    await harness.redis.set(keys.snapshot(newer), newerDocument, 'KEEPTTL');

    // More traffic: the two sessions, twenty others, and a stream of new sessions.
    await produceLateEvents(harness, [garbled, newer, ...sessionIds.slice(10, 30)], 1);
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 82,
      records: 2_000,
      sessionPrefix: 'more-',
    });
    await waitUntilCaughtUp(harness);
    expect(projector.child.exitCode).toBeNull();

    const second = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const during = await compareWithFold(harness.redis, second, harness.topics, {
      namespace: harness.namespace,
    });
    expect(during.mismatches.sort()).toEqual([garbled, newer].sort());
    expect(during.sessions).toBeGreaterThan(100);
    expect(await harness.redis.get(keys.snapshot(garbled))).toBe(halfDocument);
    expect(await harness.redis.get(keys.snapshot(newer))).toBe(newerDocument);
    const metrics = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
    const parked = [
      ...metrics.matchAll(/^checkout_events_total\{.*reason="snapshot_unreadable"\} (\d+)$/gm),
    ];
    expect(parked.reduce((sum, [, count]) => sum + Number(count), 0)).toBe(2);
    for (const sessionId of [garbled, newer]) {
      expect(
        projector.output.filter((line) => line.includes(keys.snapshot(sessionId))).length,
      ).toBeGreaterThan(0);
    }

    const env = rebuildEnv(harness);
    for (const sessionId of [garbled, newer]) {
      const repair = await runRebuildCli(env, ['--session', sessionId, '--yes', '--json']);
      expect(repair.code, repair.stdout + repair.stderr).toBe(0);
    }
    const replay = await runRebuildCli(env, [
      'dlq',
      'replay',
      '--reason',
      'snapshot_unreadable',
      '--yes',
      '--json',
    ]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(replay.json).toMatchObject({ replayed: 2 });
    await waitUntilCaughtUp(harness);
    const third = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const after = await compareWithFold(harness.redis, third, harness.topics, {
      namespace: harness.namespace,
    });
    expect(after.mismatches).toEqual([]);
    console.info(
      `unreadable-snapshot: ${third.length} records, ${after.sessions} sessions equal the fold; ` +
        `2 unreadable documents parked 2 records, left untouched, repaired and replayed`,
    );
  });
});
