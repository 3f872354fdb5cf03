import { setTimeout as sleep } from 'node:timers/promises';
import { FOLD_VERSION } from '@checkout/domain';
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
} from '@checkout/projector/testing';

describe('checkout-rebuild on an empty Redis (cold start)', () => {
  it('--from-offset earliest builds a generation equal to the pure fold and switches readers to it', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('rebuild-cold', { brokers: kafkaBrokers, redisUrl });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 11,
      records: 12_000,
      duplicateRate: 0.02,
      poisonRate: 0.005,
      concurrentSessions: 150,
    });
    const records = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const env = rebuildEnv(harness);
    const expected = await compareWithFold(harness.redis, records, harness.topics, {
      namespace: harness.namespace,
    });

    // A dry run computes everything in memory and writes nothing.
    const dry = await runRebuildCli(env, ['--from-offset', 'earliest', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({
      ok: true,
      dry_run: true,
      events: 12_000,
      sessions: expected.sessions,
    });
    expect(dry.json['outcomes']).toMatchObject({
      dead_lettered: expected.expectedDeadLetters.length,
    });
    expect((await namespaceContents(harness.redis, harness.namespace)).size).toBe(0);

    // Without a terminal, a destructive run needs --yes: refused, exit 4, nothing written.
    const refused = await runRebuildCli(env, ['--from-offset', 'earliest', '--json']);
    expect(refused.code).toBe(4);
    expect(refused.json).toMatchObject({
      ok: false,
      exit_code: 4,
      error: { reason: 'notConfirmed' },
    });
    expect((await namespaceContents(harness.redis, harness.namespace)).size).toBe(0);

    const run = await runRebuildCli(env, ['--from-offset', 'earliest', '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({
      ok: true,
      generation: '1',
      replaced: 'base',
      switched: true,
      events: 12_000,
    });
    console.info(
      `cold start: ${run.json['events']} events at ${run.json['events_per_second']} events/s`,
    );
    expect(await harness.redis.get(`${harness.namespace}:active-generation`)).toBe('1');

    const comparison = await compareWithFold(harness.redis, records, harness.topics, {
      namespace: harness.namespace,
      generation: '1',
    });
    expect(comparison.firstDifference?.stored, comparison.firstDifference?.sessionId).toEqual(
      comparison.firstDifference?.expected,
    );
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.unexpectedKeys).toEqual([]);
    expect(comparison.sessions).toBeGreaterThan(500);
    // Checkpoints under the live group's name, at the end of every partition: the projector takes over from there.
    const checkpoints = await harness.redis.hgetall(
      keyspace(harness.namespace, '1').checkpoints(harness.group),
    );
    expect(Object.keys(checkpoints)).toHaveLength(15);

    const status = await runRebuildCli(env, ['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json).toMatchObject({
      active_generation: '1',
      total_lag: 0,
      dlq_messages: expected.expectedDeadLetters.length,
    });
    expect(status.json['last_checkpoint_write']).toEqual(expect.any(String));
    expect(status.json['generations']).toEqual([
      expect.objectContaining({
        id: '1',
        role: 'active',
        state: 'switched',
        purpose: 'rebuild',
        fold_version: String(FOLD_VERSION),
      }),
    ]);
    expect(status.json['fold_version']).toBe(FOLD_VERSION);
    const text = await runRebuildCli(env, ['status']);
    expect(text.stdout).toContain(`1 (active, fold ${FOLD_VERSION})`);

    // An interrupt (SIGINT/SIGTERM in main.ts) stops cleanly: exit 130, nothing switched, an orphan left.
    const interrupt = new AbortController();
    const interrupted = runRebuildCli(
      env,
      ['--from-offset', 'earliest', '--yes', '--json', '--fetch-bytes', '4096'],
      interrupt.signal,
    );
    const started = Date.now();
    while (
      (await harness.redis.hlen(keyspace(harness.namespace, '2').checkpoints(harness.group))) === 0
    ) {
      if (Date.now() - started > 30_000) throw new Error('the second rebuild made no progress');
      await sleep(20);
    }
    interrupt.abort();
    const stopped = await interrupted;
    expect(stopped.code).toBe(130);
    expect(stopped.json).toMatchObject({
      ok: false,
      error: {
        reason: 'interrupted',
        message: expect.stringMatching(/Readers still read generation 1/),
      },
    });
    expect(await harness.redis.get(`${harness.namespace}:active-generation`)).toBe('1');
    const listed = await runRebuildCli(env, ['generations', 'list', '--json']);
    expect(listed.json['generations']).toEqual([
      expect.objectContaining({ id: '1', role: 'active' }),
      expect.objectContaining({ id: '2', role: 'orphan', state: 'interrupted' }),
    ]);
    expect((await runRebuildCli(env, ['generations', 'drop', '2', '--yes'])).code).toBe(0);

    // The active generation cannot be dropped; bad usage is exit 2.
    expect((await runRebuildCli(env, ['generations', 'drop', '1', '--yes'])).code).toBe(2);
    expect(
      (await runRebuildCli(env, ['--from-offset', 'earliest', '--topics', 'cart-events', '--yes']))
        .code,
    ).toBe(2);
    expect((await runRebuildCli({ ...env, SNAPSHOT_TTL_SECONDS: '-1' }, ['status'])).code).toBe(2);
  });
});
