import { partitionTag, scanKeys } from '@checkout/redis';
import { describe, expect, it } from 'vitest';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';
import {
  expectStateEqualsFold,
  produceStream,
  projectorHarness,
  readAllRecords,
  storeModes,
  type ProjectorHarness,
} from '@checkout/projector/testing';

interface Drifted {
  session_id: string;
  reason: string;
}

/** Deletes every base key of partition number `partition`'s tag: what a lost master loses. */
async function loseTag(harness: ProjectorHarness, partition: number): Promise<number> {
  let removed = 0;
  await scanKeys(harness.redis, `${partitionTag(harness.namespace, partition)}:*`, async (keys) => {
    removed += await harness.redis.del(...keys); // one tag, one slot
  });
  return removed;
}

/**
 * Issue 11: the operator's modes of checkout-rebuild on a Redis Cluster (the shared one, 3
 * masters), where every key of partition N carries N's tag and each mode must find sessions,
 * checkpoints and generations tag by tag. The other tests of these modes run on standalone;
 * this one goes through each mode once on one deployment of 6 partitions, with the pure fold
 * of the log as the oracle at each step.
 */
describe('checkout-rebuild modes on a Redis Cluster', () => {
  it('status, generations, --verify, --session, --from-snapshot and dlq replay keep the fold', async () => {
    const cluster = storeModes().find(({ mode }) => mode === 'cluster')!;
    const harness = await projectorHarness('rebuild-cluster-modes', cluster.infrastructure, 6);
    await produceStream(harness.brokers, harness.topics, {
      seed: 61,
      records: 4_000,
      concurrentSessions: 100,
      poisonRate: 0.01,
      // Old history: a snapshot deleted below must be drift, not "expired" (see verify.int.test.ts).
      startTimeMs: Date.parse('2001-01-01T00:00:00.000Z'),
    });
    let projector = await harness.start();
    const { records, comparison } = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    const env = rebuildEnv(harness);

    // status and generations: one active generation (base), every partition of the five topics.
    const status = await runRebuildCli(env, ['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json).toMatchObject({ active_generation: 'base', total_lag: 0 });
    expect(status.json['partitions']).toHaveLength(5 * 6);
    const listed = await runRebuildCli(env, ['generations', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json['generations']).toEqual([expect.objectContaining({ role: 'active' })]);

    // --verify finds exactly the sessions corrupted in their tags; --session repairs each.
    const [edited, deleted] = [comparison.sessionIds[7]!, comparison.sessionIds.at(-1)!];
    const snapshotKey = (sessionId: string) =>
      harness.layout.keys(harness.layout.shardOfSession(sessionId), null).snapshot(sessionId);
    const doc = JSON.parse((await harness.redis.get(snapshotKey(edited)))!) as {
      shipping: Record<string, unknown>;
    };
    doc.shipping['method'] = 'teleport';
    await harness.redis.set(snapshotKey(edited), JSON.stringify(doc), 'KEEPTTL');
    expect(await harness.redis.del(snapshotKey(deleted))).toBe(1);
    const verify = await runRebuildCli(env, ['--verify', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(3);
    expect(
      (verify.json['drift'] as Drifted[]).map(({ session_id, reason }) => [session_id, reason]),
    ).toEqual(
      [
        [edited, 'differs'],
        [deleted, 'missing_in_live'],
      ].sort(),
    );
    expect(verify.json).toMatchObject({ sessions_compared: comparison.sessions });
    for (const sessionId of [edited, deleted]) {
      const repair = await runRebuildCli(env, ['--session', sessionId, '--yes', '--json']);
      expect(repair.code, repair.stdout + repair.stderr).toBe(0);
      expect(repair.json).toMatchObject({ session_id: sessionId, written: true });
    }
    const clean = await runRebuildCli(env, ['--verify', '--json']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.json).toMatchObject({ drift_count: 0 });
    const afterVerify = await runRebuildCli(env, ['generations', 'list', '--json']);
    expect(afterVerify.json['generations']).toEqual([expect.objectContaining({ role: 'active' })]);
    await expectStateEqualsFold(harness, { timeoutMs: 30_000 });

    // --from-snapshot after one tag lost its keys (a master restored empty): it replays exactly
    // that partition number of the five topics, the other tags are untouched.
    projector.kill('SIGTERM');
    expect((await projector.exited).code).toBe(0);
    const lost = harness.layout.shardOfSession(edited);
    expect(await loseTag(harness, lost)).toBeGreaterThan(10);
    const recovery = await runRebuildCli(env, ['--from-snapshot', '--json']);
    expect(recovery.code, recovery.stdout + recovery.stderr).toBe(0);
    const log = await readAllRecords(harness.brokers, harness.topics.physical);
    expect(recovery.json).toMatchObject({
      mode: 'from-snapshot',
      events: log.filter((record) => record.partition === lost).length,
    });
    await expectStateEqualsFold(harness, { timeoutMs: 30_000 });

    // dlq replay: every poison record once (the replayed set is outside the tags); a second run
    // replays nothing; the projector folds the replayed copies like any record.
    const poison = comparison.expectedDeadLetters.length;
    expect(poison).toBeGreaterThan(10);
    const replay = await runRebuildCli(env, ['dlq', 'replay', '--yes', '--json']);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(replay.json).toMatchObject({ replayed: poison });
    const again = await runRebuildCli(env, ['dlq', 'replay', '--yes', '--json']);
    expect(again.json).toMatchObject({ replayed: 0 });
    expect(again.json['skipped']).toMatchObject({ already_replayed: poison });
    projector = await harness.start();
    const after = await expectStateEqualsFold(harness, { timeoutMs: 60_000 });
    expect(after.records).toBe(records + poison);
    console.info(
      `cluster modes: ${records} records, ${comparison.sessions} sessions; verify found 2 drifted, ` +
        `--session repaired them; --from-snapshot replayed partition ${lost} ` +
        `(${String(recovery.json['events'])} events); ${poison} dead letters replayed once`,
    );
  });
});
