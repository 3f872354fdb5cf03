import { scanKeys } from '@checkout/redis';
import { describe, expect, it } from 'vitest';
import {
  compareWithFold,
  FAST_GROUP_ENV,
  highWatermarks,
  logLines,
  produceInBackground,
  produceStream,
  projectorHarness,
  readAllRecords,
  storedCheckpoints,
  storeModes,
  tail,
  waitForCheckpoints,
  waitUntil,
  type ProjectorHarness,
} from '@checkout/projector/testing';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';

const [standalone] = storeModes();

/** Every snapshot of `generation` equals the pure fold of the whole log. */
async function expectGenerationEqualsFold(harness: ProjectorHarness, generation: string) {
  await waitForCheckpoints(harness.redis, {
    namespace: harness.namespace,
    layout: harness.layout,
    group: harness.group,
    generation,
    targets: await highWatermarks(harness.brokers, harness.topics),
    timeoutMs: 60_000,
  });
  const records = await readAllRecords(harness.brokers, harness.topics.physical);
  const comparison = await compareWithFold(harness.redis, records, harness.topics, {
    namespace: harness.namespace,
    layout: harness.layout,
    generation,
  });
  expect(comparison.firstDifference?.stored, comparison.firstDifference?.sessionId).toEqual(
    comparison.firstDifference?.expected,
  );
  expect(comparison.mismatches).toEqual([]);
  expect(comparison.unexpectedKeys).toEqual([]);
  return { records: records.length, sessions: comparison.sessions };
}

/** The namespace's keys gone, as after a FLUSHALL (the test Redis is shared by other files). */
async function loseEverything(harness: ProjectorHarness) {
  const keys: string[] = [];
  await scanKeys(harness.redis, `${harness.namespace}:*`, (page) => {
    keys.push(...page);
  });
  for (const key of keys) await harness.redis.del(key);
}

describe('checkout-rebuild --from-changelog (issue 13)', () => {
  /**
   * The changelog must never let a restore resume past events its snapshots do not hold. The
   * projector is first killed exactly between a Redis commit and its changelog publish (the
   * crash window), then at two moments while a producer keeps writing; the restarted one must
   * catch the changelog up from its marker. Then: a restore while it runs hands over like a
   * blue/green rebuild; and a restore after the store lost everything equals the fold, with
   * far fewer events replayed than the log holds, and `--verify` finds no drift.
   */
  it('restores what the fold says after crashes in the publish window, live and after the store lost its data', async () => {
    const infrastructure = standalone!.infrastructure;
    const harness = await projectorHarness('changelog', infrastructure, 3, FAST_GROUP_ENV);
    const changelogEnv = { SNAPSHOT_CHANGELOG_TOPIC: harness.names.topic('snapshot-changelog') };
    const env = rebuildEnv(harness, changelogEnv);
    await produceStream(harness.brokers, harness.topics, {
      seed: 13,
      records: 4000,
      concurrentSessions: 60,
      sessionPrefix: 'a',
    });
    const crashed = await harness.start(
      { ...changelogEnv, CHECKOUT_FAULT_POINT: 'after-store-commit', CHECKOUT_FAULT_AFTER: '4' },
      { waitUntilReady: false },
    );
    expect((await crashed.exited).signal).toBe('SIGKILL');
    const producer = produceInBackground(harness.brokers, harness.topics, {
      seed: 14,
      sessionPrefix: 'live-',
      recordsPerSecond: 300,
    });
    for (const after of ['2', '6']) {
      const killed = await harness.start(
        { ...changelogEnv, CHECKOUT_FAULT_POINT: 'after-changelog', CHECKOUT_FAULT_AFTER: after },
        { waitUntilReady: false },
      );
      expect((await killed.exited).signal).toBe('SIGKILL');
    }
    const live = await harness.start(changelogEnv);

    // A restore while the live projector runs and events keep coming.
    const handover = await runRebuildCli(env, ['--from-changelog', '--yes', '--json']);
    await producer.stop();
    expect(handover.code, handover.stdout + handover.stderr).toBe(0);
    expect(handover.json).toMatchObject({ generation: '1', switched: true });
    const first = await expectGenerationEqualsFold(harness, '1');
    expect(live.child.exitCode).toBeNull();

    // The store loses everything; the live projector is gone with it.
    live.kill('SIGKILL');
    await live.exited;
    await loseEverything(harness);
    const restore = await runRebuildCli(env, ['--from-changelog', '--yes', '--json']);
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    const generation = String(restore.json['generation']);
    const restored = await expectGenerationEqualsFold(harness, generation);
    const changelog = restore.json['changelog'] as { sessions: number; markers: number };
    expect(changelog.sessions).toBe(restored.sessions);
    expect(changelog.markers).toBe(3);
    // Resumed from the markers: only the tail after the last marker is replayed.
    expect(Number(restore.json['events'])).toBeLessThan(restored.records / 10);

    const verify = await runRebuildCli(env, ['--verify', '--yes', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    console.info(
      `changelog restore: ${restored.records} records, ${restored.sessions} sessions; after the loss ` +
        `${changelog.sessions} snapshots restored in ${JSON.stringify(restore.json['changelog'])}, ` +
        `${restore.json['events']} events replayed after the markers; the live handover restored ` +
        `${JSON.stringify(handover.json['changelog'])} and replayed ${handover.json['events']} events (${first.records} records)`,
    );
  });

  /**
   * Compaction keeps the last record written per key: a zombie (frozen right after its Redis
   * commit, before its publish) that publishes once thawed would make its older snapshots
   * win over the new owner's. The new owner's claim fences the zombie's transactional id: the
   * late publish is refused (the zombie says so), the new owner caught the changelog up from
   * the marker, and a restore after the store lost everything equals the fold.
   */
  it('a zombie thawed after the new owner took over cannot publish into the changelog', async () => {
    const infrastructure = standalone!.infrastructure;
    const harness = await projectorHarness('changelog-zombie', infrastructure, 3, FAST_GROUP_ENV);
    const changelogEnv = { SNAPSHOT_CHANGELOG_TOPIC: harness.names.topic('snapshot-changelog') };
    await produceStream(harness.brokers, harness.topics, {
      seed: 31,
      records: 3000,
      sessionPrefix: 'before-',
    });
    const producer = produceInBackground(harness.brokers, harness.topics, {
      seed: 32,
      sessionPrefix: 'live-',
      recordsPerSecond: 300,
    });
    const zombie = await harness.start(
      {
        ...changelogEnv,
        CHECKOUT_FAULT_POINT: 'after-store-commit',
        CHECKOUT_FAULT_AFTER: '3',
        CHECKOUT_FAULT_SIGNAL: 'SIGSTOP',
      },
      { waitUntilReady: false },
    );
    await waitUntil(
      () => zombie.output.includes('fault-point: freezing at after-store-commit'),
      'the member to freeze between its commit and its publish',
      60_000,
    );
    const frozenAt = await storedCheckpoints(harness);
    const owner = await harness.start(changelogEnv);
    await waitUntil(
      async () => {
        const now = await storedCheckpoints(harness);
        return [...frozenAt].every(([field, at]) => (now.get(field) ?? -1n) > at);
      },
      'the new owner storing past the frozen batch',
      60_000,
    );
    zombie.kill('SIGCONT');
    await waitUntil(
      () =>
        logLines(zombie, 'snapshot changelog marker not moved').some((line) =>
          JSON.stringify(line['changelog']).includes('fenced'),
        ),
      'the zombie publish to be fenced',
      30_000,
    );
    await producer.stop();
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      layout: harness.layout,
      group: harness.group,
      targets: await highWatermarks(harness.brokers, harness.topics),
      timeoutMs: 60_000,
    });
    expect(owner.child.exitCode, tail(owner)).toBeNull();
    for (const member of [zombie, owner]) {
      member.kill('SIGKILL');
      await member.exited;
    }

    await loseEverything(harness);
    const restore = await runRebuildCli(rebuildEnv(harness, changelogEnv), [
      '--from-changelog',
      '--yes',
      '--json',
    ]);
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    const restored = await expectGenerationEqualsFold(harness, String(restore.json['generation']));
    console.info(
      `changelog zombie: fenced after thawing; ${restored.sessions} sessions restored equal the fold ` +
        `(${JSON.stringify(restore.json['changelog'])}, ${restore.json['events']} events replayed)`,
    );
  });
});
