import { decodeSnapshot } from '@checkout/domain';
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
  type ProjectorHarness,
} from '@checkout/projector/testing';

/**
 * SPEC §5: expiry (or eviction) of a snapshot whose checkpoint remains is never silent. The
 * snapshots of 40 sessions expire between two halves of a stream (PEXPIRE 1 ms: the very
 * path a TTL takes, without waiting for one), then each of them and 40 intact sessions
 * receives one more event. Expected: the 40 are folded on from an empty order *marked*
 * `meta.history_incomplete`, counted by the metric and reported by --verify under that name;
 * every other session equals the pure fold; --session brings one back to its full history.
 */
describe('snapshots that expire while their checkpoint remains', () => {
  it('are marked, counted and reported, never passed off as the fold', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('expired-snapshots', {
      brokers: kafkaBrokers,
      redisUrl,
    });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 43,
      records: 3_000,
      concurrentSessions: 80,
    });
    const env = { SNAPSHOT_TTL_SECONDS: '3600' };
    const projector = await harness.start(env);
    await waitUntilCaughtUp(harness);
    const before = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const { sessionIds } = await compareWithFold(harness.redis, before, harness.topics, {
      namespace: harness.namespace,
    });
    const keys = keyspace(harness.namespace);
    const expired = sessionIds.slice(0, 40).sort();
    const intact = sessionIds.slice(40, 80);
    expect(intact).toHaveLength(40);

    for (const sessionId of expired) await harness.redis.pexpire(keys.snapshot(sessionId), 1);
    await waitUntilGone(harness, expired.map(keys.snapshot));
    await produceLateEvents(harness, [...expired, ...intact], 1);
    await waitUntilCaughtUp(harness);

    const after = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const comparison = await compareWithFold(harness.redis, after, harness.topics, {
      namespace: harness.namespace,
    });
    expect(comparison.mismatches.sort()).toEqual(expired);
    for (const sessionId of expired) {
      const stored = decodeSnapshot((await harness.redis.get(keys.snapshot(sessionId)))!);
      if (!stored.ok) throw new Error(stored.error.message);
      expect(stored.value).toMatchObject({
        cart: { lines: [{ sku: 'SKU-LATE-1', quantity: 1 }] },
        meta: { event_count: 1, history_incomplete: true },
      });
    }
    const metrics = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
    expect(metrics).toMatch(/^checkout_history_incomplete_total 40$/m);
    const order = (await (
      await fetch(`http://127.0.0.1:${projector.port}/v1/checkouts/${expired[0]}`)
    ).json()) as { meta: Record<string, unknown> };
    expect(order.meta['history_incomplete']).toBe(true);

    const verify = await runRebuildCli(rebuildEnv(harness, env), ['--verify', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(3);
    expect(verify.json).toMatchObject({
      drift_count: 40,
      drift_by_reason: { history_incomplete: 40 },
      sessions_expired: 0,
    });
    const drift = verify.json['drift'] as Array<{ session_id: string; reason: string }>;
    expect(drift.map(({ session_id }) => session_id)).toEqual(expired);

    const [repaired] = expired;
    const repair = await runRebuildCli(rebuildEnv(harness, env), [
      '--session',
      repaired!,
      '--yes',
      '--json',
    ]);
    expect(repair.code, repair.stdout + repair.stderr).toBe(0);
    const again = await compareWithFold(harness.redis, after, harness.topics, {
      namespace: harness.namespace,
    });
    expect(again.mismatches.sort()).toEqual(expired.slice(1));
  });
});

/** Redis expires a key lazily on access too: a GET after its PEXPIRE has passed removes it. */
async function waitUntilGone(harness: ProjectorHarness, keys: readonly string[]): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const values = await harness.redis.mget(...keys);
    if (values.every((value) => value === null)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('snapshots did not expire');
}
