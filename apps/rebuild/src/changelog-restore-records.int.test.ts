import { initialCheckoutOrder, type CheckoutOrder } from '@checkout/domain';
import {
  createKafka,
  ensureChangelogTopic,
  markerMessage,
  silentKafkaLog,
  snapshotMessage,
} from '@checkout/kafka';
import { activeGeneration, partitionForKey, readSnapshotTexts } from '@checkout/redis';
import { onCleanup } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { projectorHarness, storeModes, type ProjectorHarness } from '@checkout/projector/testing';
import { createProgressReporter } from './output/progress.ts';
import { prefillFromChangelog } from './replay/changelog-prefill.ts';
import { redisGenerationTarget } from './replay/replay-target.ts';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';

const [standalone] = storeModes();
const PARTITIONS = 3;
type Message = ReturnType<typeof snapshotMessage>;

function version(sessionId: string, eventCount: number): CheckoutOrder {
  const initial = initialCheckoutOrder(sessionId);
  return {
    ...initial,
    updated_at: new Date(Date.UTC(2026, 0, 1, 0, 0, eventCount)).toISOString(),
    meta: { ...initial.meta, event_count: eventCount },
  };
}

/** A changelog topic of the harness, filled with `messages` as they are (not compacted yet). */
async function changelogOf(harness: ProjectorHarness, messages: Message[]) {
  const topic = harness.names.topic('snapshot-changelog');
  const kafka = createKafka({ brokers: harness.brokers, clientId: 'changelog-records-test' });
  await ensureChangelogTopic(
    kafka,
    topic,
    harness.topics.toPhysical('cart-events'),
    silentKafkaLog,
  );
  const producer = kafka.producer();
  await producer.connect();
  onCleanup(() => producer.disconnect());
  await producer.send({ topic, acks: -1, messages });
  return { topic, kafka };
}

function snapshotOf(order: CheckoutOrder): Message {
  return snapshotMessage(partitionForKey(order.session_id, PARTITIONS), order.session_id, order);
}

describe('checkout-rebuild --from-changelog reads the changelog record by record', () => {
  /**
   * A changelog whose head is not compacted yet holds several versions of a session, and they
   * may be far apart (a session active for an hour). The restore holds a window of documents,
   * writing the last version of each; one met again in a later window is written again over it,
   * guarded by the version written first. With a window of a few documents, every session here
   * spans windows: what Redis holds at the end must be each session's last version, byte for
   * byte, and the checkpoints each partition's last marker.
   */
  it('writes the last version of every session, however far apart its versions are', async () => {
    const harness = await projectorHarness('changelog-versions', standalone!.infrastructure, 3);
    const sessions = Array.from({ length: 24 }, (_, index) => `versions-${index}`);
    const messages: Message[] = [];
    for (let round = 1; round <= 3; round += 1) {
      for (const sessionId of sessions) messages.push(snapshotOf(version(sessionId, round * 10)));
      for (let partition = 0; partition < PARTITIONS; partition += 1) {
        messages.push(
          markerMessage(partition, new Map([[`cart-events:${partition}`, String(round)]])),
        );
      }
    }
    const { topic, kafka } = await changelogOf(harness, messages);
    const target = redisGenerationTarget({
      redis: harness.redis,
      layout: harness.layout,
      generation: '7',
      group: harness.group,
      ttlSeconds: 0,
    });
    const restored = await prefillFromChangelog({
      kafka,
      topic,
      partitions: PARTITIONS,
      target,
      groupPrefix: `${harness.group}.test`,
      signal: new AbortController().signal,
      progress: createProgressReporter({ stream: process.stderr, mode: 'off', label: 'test' }),
      windowBytes: 2_000,
    });

    expect(restored).toMatchObject({
      sessions: sessions.length,
      records: messages.length,
      markers: PARTITIONS,
    });
    // Written again in later windows: more writes than sessions.
    expect(restored.writes).toBeGreaterThan(sessions.length);
    const stored = await readSnapshotTexts(harness.redis, harness.layout, '7', sessions);
    expect(stored).toEqual(sessions.map((id) => String(snapshotOf(version(id, 30)).value)));
    expect(Object.fromEntries(await target.readCheckpoints())).toEqual({
      'cart-events:0': '3',
      'cart-events:1': '3',
      'cart-events:2': '3',
    });
  });

  /**
   * A restore writes documents as the changelog holds them, unparsed: a value damaged after it
   * was published must stop it, with one line naming the session and what to do, and an exit
   * code; never a generation switched with the damage in it, and never a hang (kafkajs retries
   * and restarts a consumer whose batch handler throws, which read the same batch forever).
   */
  it('refuses a damaged changelog value: exit 1, one clear line, readers not switched', async () => {
    const harness = await projectorHarness('changelog-damaged', standalone!.infrastructure, 3);
    const good = snapshotOf(version('intact', 5));
    const damaged = snapshotOf(version('damaged', 5));
    const bytes = Buffer.from(damaged.value as Buffer);
    bytes[bytes.length - 2] = 0x20;
    const { topic } = await changelogOf(harness, [good, { ...damaged, value: bytes }]);

    const started = performance.now();
    const run = await runRebuildCli(rebuildEnv(harness, { SNAPSHOT_CHANGELOG_TOPIC: topic }), [
      '--from-changelog',
      '--yes',
    ]);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const lines = run.stderr.split('\n').filter((line) => line.includes('cannot be restored'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/session "damaged".*checksum does not match/);
    expect(await activeGeneration(harness.redis, { layout: harness.layout })).toBeNull();
  });

  it('a changelog topic that does not exist: exit 2 naming the variable, at once', async () => {
    const harness = await projectorHarness('changelog-missing', standalone!.infrastructure, 3);
    const started = performance.now();
    const run = await runRebuildCli(
      rebuildEnv(harness, { SNAPSHOT_CHANGELOG_TOPIC: harness.names.topic('no-such-changelog') }),
      ['--from-changelog', '--yes'],
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /no-such-changelog does not exist: SNAPSHOT_CHANGELOG_TOPIC must name/,
    );
  });
});
