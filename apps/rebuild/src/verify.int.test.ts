import { keyspace } from '@checkout/redis';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
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

interface Drifted {
  session_id: string;
  reason: string;
  differences: Array<{ path: string; live: unknown; rebuilt: unknown }>;
}

describe('checkout-rebuild --verify and --session', () => {
  it('reports exactly the sessions that were corrupted, and --session repairs them', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('rebuild-verify', { brokers: kafkaBrokers, redisUrl });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 41,
      records: 8_000,
      concurrentSessions: 120,
      // Old history, written today: its event times are far older than the 30-day snapshot
      // TTL whatever today is, and the deleted snapshot must still be drift, not "expired"
      // (expiry is judged on Redis's clock, from the write).
      startTimeMs: Date.parse('2001-01-01T00:00:00.000Z'),
    });
    await harness.start(); // keeps running, following the active generation, through all of this
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: await highWatermarks(kafkaBrokers, harness.topics),
      timeoutMs: 90_000,
    });
    const records = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const { sessionIds } = await compareWithFold(harness.redis, records, harness.topics, {
      namespace: harness.namespace,
    });
    const keys = keyspace(harness.namespace);
    const env = rebuildEnv(harness);

    // Corrupt four sessions four ways.
    const [edited, paid, deleted, garbled] = [
      sessionIds[10]!,
      sessionIds[200]!,
      sessionIds[300]!,
      sessionIds[400]!,
    ];
    const edit = async (
      sessionId: string,
      change: (doc: Record<string, Record<string, unknown>>) => void,
    ) => {
      const doc = JSON.parse((await harness.redis.get(keys.snapshot(sessionId)))!) as Record<
        string,
        Record<string, unknown>
      >;
      change(doc);
      await harness.redis.set(keys.snapshot(sessionId), JSON.stringify(doc), 'KEEPTTL');
    };
    await edit(edited, (doc) => (doc['shipping']!['method'] = 'teleport'));
    await edit(paid, (doc) => (doc['meta']!['offsets'] = {}));
    await harness.redis.del(keys.snapshot(deleted));
    await harness.redis.set(keys.snapshot(garbled), '{"session_id": "half a docum', 'KEEPTTL');
    const corrupted = [edited, paid, deleted, garbled].sort();

    for (const args of [
      ['--verify', '--json'],
      ['--verify', '--dry-run', '--json'],
    ]) {
      const verify = await runRebuildCli(env, args);
      expect(verify.code, verify.stdout + verify.stderr).toBe(3);
      const drift = verify.json['drift'] as Drifted[];
      expect(drift.map(({ session_id }) => session_id)).toEqual(corrupted);
      const bySession = new Map(drift.map((entry) => [entry.session_id, entry]));
      expect(bySession.get(edited)).toMatchObject({
        reason: 'differs',
        differences: [{ path: 'shipping.method', live: 'teleport' }],
      });
      expect(
        bySession
          .get(paid)
          ?.differences.map(({ path }) => path)
          .every((path) => path.startsWith('meta.offsets.')),
      ).toBe(true);
      expect(bySession.get(deleted)).toMatchObject({ reason: 'missing_in_live' });
      expect(bySession.get(garbled)).toMatchObject({ reason: 'unreadable_in_live' });
      expect(verify.json).toMatchObject({
        drift_count: 4,
        unsettled_count: 0,
        sessions_compared: sessionIds.length,
      });
    }
    // The scratch generation is gone; readers never left the base generation.
    expect(
      [...(await namespaceContents(harness.redis, harness.namespace)).keys()].filter((key) =>
        key.includes(':gen:'),
      ),
    ).toEqual([]);
    expect(await harness.redis.get(`${harness.namespace}:active-generation`)).toBeNull();

    // --session shows the repair first, then makes it.
    const preview = await runRebuildCli(env, ['--session', edited, '--dry-run', '--json']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.json).toMatchObject({
      written: false,
      differences: [{ path: 'shipping.method', live: 'teleport' }],
    });
    expect((await runRebuildCli(env, ['--session', edited, '--json'])).code).toBe(4); // no terminal, no --yes
    for (const sessionId of corrupted) {
      const repair = await runRebuildCli(env, ['--session', sessionId, '--yes', '--json']);
      expect(repair.code, repair.stdout + repair.stderr).toBe(0);
      expect(repair.json).toMatchObject({
        session_id: sessionId,
        written: true,
        generation: 'base',
      });
    }
    const again = await runRebuildCli(env, ['--session', edited, '--yes', '--json']);
    expect(again.json).toMatchObject({ written: false, differences: [] });
    expect((await runRebuildCli(env, ['--session', 'no-such-session', '--yes'])).code).toBe(1);

    const clean = await runRebuildCli(env, ['--verify', '--json']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.json).toMatchObject({ drift_count: 0, drift: [] });
    expect(
      (
        await compareWithFold(harness.redis, records, harness.topics, {
          namespace: harness.namespace,
        })
      ).mismatches,
    ).toEqual([]);
  });
});
