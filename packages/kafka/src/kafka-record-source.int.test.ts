import { CHECKOUT_TOPICS, comparableView, getTotals } from '@checkout/domain';
import {
  createProjectionEngine,
  EngineError,
  topicPartitionKey,
  type TopicPartition,
} from '@checkout/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsumerLag } from './consumer-lag.ts';
import { runKafkaSource, type KafkaSourceOptions } from './kafka-record-source.ts';
import { checkoutEventMessage } from './test-support/checkout-events.ts';
import {
  caughtUp,
  kafkaTestEnv,
  waitFor,
  type KafkaTestEnv,
} from './test-support/kafka-test-env.ts';
import { createMemoryDeadLetters } from './test-support/memory-dead-letters.ts';
import { createMemoryStore, type MemoryStore } from './test-support/memory-store.ts';
import type { HaltedPartition } from './partition-halts.ts';
import { recordingEngine, type RecordingEngine } from './test-support/recording-engine.ts';
import { testLog } from './test-support/test-log.ts';

const fastGroup = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 200,
  backoff: { baseMs: 20, capMs: 200 },
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(label: string, partitions = 3): Promise<KafkaTestEnv> {
  const env = await kafkaTestEnv(label);
  cleanups.push(() => env.cleanup());
  await env.createTopics(env.topics.physical, partitions);
  return env;
}

/** `sessions` sessions × `perTopic` events on each of the five topics; returns events per session. */
async function produceEvents(
  env: KafkaTestEnv,
  sessions: string[],
  perTopic: number,
): Promise<number> {
  for (const topic of CHECKOUT_TOPICS) {
    const messages = sessions.flatMap((session) =>
      Array.from({ length: perTopic }, () => checkoutEventMessage(topic, session, 2)),
    );
    await env.produce(env.topics.toPhysical(topic), messages);
  }
  return CHECKOUT_TOPICS.length * perTopic * sessions.length;
}

function startSource(
  env: KafkaTestEnv,
  engine: KafkaSourceOptions['engine'],
  extra: Partial<KafkaSourceOptions> = {},
) {
  const stop = new AbortController();
  const readiness: Array<[boolean, string | undefined]> = [];
  const assignments: TopicPartition[][] = [];
  const done = runKafkaSource({
    kafka: env.kafka,
    groupId: env.groupId,
    topics: env.topics,
    engine,
    signal: stop.signal,
    onReadiness: (ready, reason) => readiness.push([ready, reason]),
    onAssignment: (partitions) => assignments.push([...partitions]),
    log: testLog(env.prefix),
    ...fastGroup,
    ...extra,
  });
  const running = { done, stop: () => (stop.abort(), done), readiness, assignments };
  cleanups.push(async () => {
    stop.abort();
    await done.catch(() => {});
  });
  return running;
}

function engineOver(env: KafkaTestEnv, store: MemoryStore): RecordingEngine {
  return recordingEngine(
    createProjectionEngine({ store, deadLetters: createMemoryDeadLetters(), topics: env.topics }),
  );
}

describe('runKafkaSource', () => {
  it('projects every event of the five prefixed topics exactly once and commits the stored positions', async () => {
    const env = await setup('exactly-once');
    const sessions = Array.from({ length: 12 }, (_, i) => `session-${i}`);
    await produceEvents(env, sessions, 3);
    const store = createMemoryStore();
    const engine = engineOver(env, store);
    const lag = createConsumerLag();
    const source = startSource(env, engine, { lag });

    await waitFor(() => caughtUp(env, store), 'all events stored');
    for (const session of sessions) {
      const stored = store.snapshots.get(session);
      expect(stored?.order.meta.event_count).toBe(15);
      expect(stored && getTotals(stored.order).item_count).toBe(6);
    }
    for (const [partition, offsets] of engine.delivered) {
      expect(new Set(offsets).size, `${partition} delivered twice`).toBe(offsets.length);
    }
    expect(source.readiness.at(-1)).toEqual([true, undefined]);
    await waitFor(() => lag.snapshot().every((entry) => entry.lag === 0), 'lag 0');
    expect(lag.snapshot()).toHaveLength(15);

    await source.stop();
    expect(source.readiness.at(-1)).toEqual([false, 'stopped']);
    for (const topic of CHECKOUT_TOPICS) {
      const [committed] = await env.admin.fetchOffsets({
        groupId: env.groupId,
        topics: [env.topics.toPhysical(topic)],
      });
      for (const { partition, offset } of committed?.partitions ?? []) {
        expect(offset).toBe(store.checkpoints.get(topicPartitionKey(topic, partition)) ?? '-1');
      }
    }
  });

  it('folds batches of different partition numbers side by side, never two of one partition number', async () => {
    const env = await setup('lanes');
    const sessions = Array.from({ length: 30 }, (_, i) => `session-${i}`);
    await produceEvents(env, sessions, 4);
    const store = createMemoryStore();
    const engine = recordingEngine(
      createProjectionEngine({ store, deadLetters: createMemoryDeadLetters(), topics: env.topics }),
      { delayMs: 30 },
    );
    // One fetch brings all 15 partitions: three lanes can each take one.
    startSource(env, engine, { concurrentBatches: 3 });

    await waitFor(() => caughtUp(env, store), 'all events stored');
    expect(engine.maxInFlightOfOnePartitionNumber).toBe(1);
    expect(engine.maxInFlight).toBeGreaterThan(1);
    expect(engine.maxInFlight).toBeLessThanOrEqual(3);
    for (const session of sessions) {
      expect(store.snapshots.get(session)?.order.meta.event_count).toBe(20);
    }
    for (const [partition, offsets] of engine.delivered) {
      expect(new Set(offsets).size, `${partition} delivered twice`).toBe(offsets.length);
    }
  });

  it('seeks to the stored checkpoint when Kafka’s committed offset is behind it', async () => {
    const env = await setup('checkpoint-ahead');
    const sessions = ['s-a', 's-b', 's-c', 's-d'];
    const store = createMemoryStore();
    // The group commits the first half to Kafka; a second group (same store) stores the second
    // half, so the store's checkpoints end up ahead of the first group's Kafka offsets.
    await produceEvents(env, sessions, 2);
    const first = startSource(env, engineOver(env, store));
    await waitFor(() => caughtUp(env, store), 'first half stored');
    await first.stop();
    await produceEvents(env, sessions, 2);
    const other = startSource(env, engineOver(env, store), { groupId: `${env.groupId}-other` });
    await waitFor(() => caughtUp(env, store), 'second half stored by the other group');
    await other.stop();

    const checkpointsBefore = new Map(store.checkpoints);
    const commitsBefore = store.commits;
    const engine = engineOver(env, store);
    const second = startSource(env, engine);
    await produceEvents(env, sessions, 1);
    await waitFor(() => caughtUp(env, store), 'the first group stored the new events');

    for (const [key, offsets] of engine.delivered) {
      const [topic = '', partition = ''] = key.split(':');
      const checkpoint = checkpointsBefore.get(
        topicPartitionKey(env.topics.toLogical(topic) ?? '', Number(partition)),
      );
      const lowest = offsets.map(BigInt).reduce((a, b) => (a < b ? a : b));
      expect(lowest, `${key} replayed below its checkpoint`).toBe(BigInt(checkpoint ?? '0'));
    }
    for (const session of sessions)
      expect(store.snapshots.get(session)?.order.meta.event_count).toBe(25);
    expect(store.commits - commitsBefore).toBeLessThanOrEqual(15);
    await second.stop();
  });

  it('replays from the stored checkpoint when the store was restored from an older backup', async () => {
    const env = await setup('restored-backup');
    const sessions = ['r-1', 'r-2', 'r-3', 'r-4', 'r-5'];
    await produceEvents(env, sessions, 2);
    const store = createMemoryStore();
    const first = startSource(env, engineOver(env, store));
    await waitFor(() => caughtUp(env, store), 'first half stored');
    const backup = store.copy();
    await produceEvents(env, sessions, 2);
    await waitFor(() => caughtUp(env, store), 'second half stored');
    await first.stop();

    // Kafka's committed offsets are at the end; the restored store is behind. No new events:
    // the source must seek back by itself as soon as it owns the partitions.
    const second = startSource(env, engineOver(env, backup));
    await waitFor(() => caughtUp(env, backup), 'restored store caught up');
    for (const session of sessions) {
      expect(comparableView(backup.snapshots.get(session)?.order ?? ({} as never))).toEqual(
        comparableView(store.snapshots.get(session)?.order ?? ({} as never)),
      );
    }
    await second.stop();
  });

  it('replays a quiet partition whose stored checkpoint the store lost while the source ran', async () => {
    // Why: a flush is noticed by a write conflict only on a partition with another batch to
    // store. With nothing more produced, only the store watchdog brings the state back.
    const env = await setup('store-watchdog');
    const sessions = ['w-1', 'w-2', 'w-3', 'w-4', 'w-5', 'w-6'];
    await produceEvents(env, sessions, 2);
    const store = createMemoryStore();
    const source = startSource(env, engineOver(env, store), { checkpointWatchIntervalMs: 300 });
    await waitFor(() => caughtUp(env, store), 'all events stored');
    const before = new Map(
      sessions.map((session) => [session, comparableView(store.snapshots.get(session)!.order)]),
    );

    store.snapshots.clear();
    store.checkpoints.clear();
    await waitFor(() => caughtUp(env, store), 'the wiped store replayed by the watchdog');
    for (const session of sessions)
      expect(comparableView(store.snapshots.get(session)!.order)).toEqual(before.get(session));
    await source.stop();
  });

  it('gives partition N of all five topics to one member of a two-consumer group', async () => {
    const env = await setup('co-partitioned', 4);
    const sessions = Array.from({ length: 16 }, (_, i) => `cp-${i}`);
    await produceEvents(env, sessions, 2);
    const store = createMemoryStore();
    const a = startSource(env, engineOver(env, store));
    await waitFor(() => a.assignments.length > 0, 'first member joined');
    const b = startSource(env, engineOver(env, store));

    const latest = (source: { assignments: TopicPartition[][] }) => source.assignments.at(-1) ?? [];
    const numbersOf = (partitions: TopicPartition[]) => {
      const perTopic = new Map<string, number[]>();
      for (const { topic, partition } of partitions)
        perTopic.set(topic, [...(perTopic.get(topic) ?? []), partition].sort());
      return perTopic;
    };
    await waitFor(
      () => latest(a).length === 10 && latest(b).length === 10,
      'both members hold 2 partitions of each topic',
    );
    for (const member of [a, b]) {
      const perTopic = numbersOf(latest(member));
      expect(perTopic.size).toBe(5);
      const [first] = perTopic.values();
      for (const numbers of perTopic.values()) expect(numbers).toEqual(first);
    }
    const owned = [...latest(a), ...latest(b)].map(({ topic, partition }) =>
      topicPartitionKey(topic, partition),
    );
    expect(new Set(owned).size).toBe(20);

    await produceEvents(env, sessions, 1);
    await waitFor(() => caughtUp(env, store), 'both members stored everything');
    for (const session of sessions)
      expect(store.snapshots.get(session)?.order.meta.event_count).toBe(15);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('waits out an unavailable store, reporting not ready, and loses nothing', async () => {
    const env = await setup('store-down');
    const store = createMemoryStore();
    store.down = true;
    const source = startSource(env, engineOver(env, store));
    await produceEvents(env, ['d-1', 'd-2'], 2);
    await waitFor(
      () =>
        source.readiness.some(
          ([ready, reason]) => !ready && /memory store is down/.test(reason ?? ''),
        ),
      'not ready',
    );
    store.down = false;
    await waitFor(() => caughtUp(env, store), 'stored after recovery');
    expect(source.readiness.at(-1)).toEqual([true, undefined]);
    for (const session of ['d-1', 'd-2'])
      expect(store.snapshots.get(session)?.order.meta.event_count).toBe(10);
    await source.stop();
  });

  it('refuses topics whose partition counts differ, naming them', async () => {
    const env = await kafkaTestEnv('skewed');
    cleanups.push(() => env.cleanup());
    const [payment, ...others] = [...env.topics.physical].reverse();
    await env.createTopics(others, 3);
    await env.createTopics([payment ?? ''], 2);
    const source = startSource(env, engineOver(env, createMemoryStore()));
    const error: unknown = await source.done.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ code: 'CONFIGURATION', canRetry: false });
    expect(String((error as Error).message)).toMatch(new RegExp(`${payment} has 2`));
    expect(String((error as Error).message)).toMatch(/has 3/);
  });

  it('refuses to start when retention deleted events that were never projected', async () => {
    const env = await setup('truncated', 1);
    await produceEvents(env, ['t-1'], 3);
    const cart = env.topics.toPhysical('cart-events');
    // kafkajs finds the partition leader in the admin's metadata cache: load it first, or
    // deleteTopicRecords fails with KafkaJSBrokerNotFound.
    await env.admin.fetchTopicMetadata({ topics: [cart] });
    await env.admin.deleteTopicRecords({
      topic: cart,
      partitions: [{ partition: 0, offset: '2' }],
    });
    const source = startSource(env, engineOver(env, createMemoryStore()));
    const error: unknown = await source.done.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'HISTORY_TRUNCATED', canRetry: false });
    expect(String((error as Error).message)).toContain(`${cart}:0`);
  });
});

describe('runKafkaSource when the log loses records it never applied', () => {
  /*
   * The reproduction of a silent skip (SPEC §6): a running, verified partition whose next
   * records are deleted before it fetches them. kafkajs answers the fetch with
   * OFFSET_OUT_OF_RANGE and resets itself to the log start; the engine would have kept every
   * record above the checkpoint and moved it past the gap. A gated commit holds the consumer
   * between two fetches (kafkajs fetches again only once the batches in hand are processed),
   * so the deletion lands exactly there, whatever the machine's speed.
   */
  it('halts that partition at its checkpoint with a history_truncated alarm, the others keep going', async () => {
    const env = await setup('reset-skip', 2);
    const cart = env.topics.toPhysical('cart-events');
    const on = (partition: number, session: string, count: number) =>
      Array.from({ length: count }, () => ({
        ...checkoutEventMessage('cart-events', session),
        partition,
      }));
    const store = createMemoryStore();
    const storeCommit = store.commit.bind(store);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let armed = false;
    let held = false;
    store.commit = async (write) => {
      if (armed && write.checkpoints.some(({ partition }) => partition === 0)) {
        held = true;
        await gate;
      }
      return storeCommit(write);
    };
    const halted: HaltedPartition[][] = [];
    const readiness: string[] = [];
    const lines: Array<{ fields: object; message: string }> = [];
    const record = (fields: object, message: string) => void lines.push({ fields, message });
    startSource(env, engineOver(env, store), {
      onHistoryTruncated: 'halt-partition',
      onPartitionHalted: (list) => halted.push([...list]),
      onReadiness: (ready, reason) => readiness.push(ready ? 'ready' : `not ready: ${reason}`),
      log: { debug: record, info: record, warn: record, error: record },
    });
    await env.produce(cart, [...on(0, 'p0', 10), ...on(1, 'p1', 10)]);
    await waitFor(
      () =>
        store.checkpoints.get('cart-events:0') === '10' &&
        store.checkpoints.get('cart-events:1') === '10',
      'both partitions stored',
    );

    armed = true;
    await env.produce(cart, on(0, 'p0', 5)); // offsets 10–14: fetched, their commit held
    await waitFor(() => held, 'the commit of partition 0 held');
    await env.produce(cart, on(0, 'p0', 20)); // offsets 15–34
    await env.admin.fetchTopicMetadata({ topics: [cart] });
    await env.admin.deleteTopicRecords({
      topic: cart,
      partitions: [{ partition: 0, offset: '30' }],
    });
    release();

    await waitFor(() => halted.length > 0, 'the partition halted');
    expect(halted.at(-1)).toEqual([
      expect.objectContaining({ topic: cart, partition: 0, reason: 'history_truncated' }),
    ]);
    expect(readiness.at(-1)).toMatch(new RegExp(`^not ready: history_truncated on ${cart}:0`));
    const alarms = lines.filter(({ message }) => message.startsWith('Partition halted'));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.fields).toMatchObject({
      alarm: 'history_truncated',
      topic: cart,
      partition: 0,
      checkpoint: '15',
      logStart: '30',
    });

    // Partition 1 goes on; partition 0 stays at its checkpoint: offsets 15–29 were never applied.
    await env.produce(cart, on(1, 'p1', 5));
    await waitFor(() => store.checkpoints.get('cart-events:1') === '15', 'partition 1 went on');
    await env.produce(cart, on(0, 'p0', 3));
    await new Promise((resolve) => setTimeout(resolve, 500)); // a halted partition fetches nothing
    expect(store.checkpoints.get('cart-events:0')).toBe('15');
    expect(store.snapshots.get('p0')?.order.meta.event_count).toBe(15);
  });
});

describe('runKafkaSource on a compacted topic', () => {
  /*
   * A gap the log itself made (compaction removed records whose key came again later) is not
   * lost history: the log start is still 0, below the checkpoint, and the partition goes on.
   * The broker cleans closed segments only, on its own schedule: the test waits until the
   * cleaner has made the gap, then projects the log from the start.
   */
  it('passes the gaps compaction leaves, without an alarm', async () => {
    const env = await kafkaTestEnv('compacted');
    cleanups.push(() => env.cleanup());
    await env.createTopics(env.topics.physical, 1, {
      'cleanup.policy': 'compact',
      'segment.ms': '100',
      'min.cleanable.dirty.ratio': '0.001',
      'min.compaction.lag.ms': '0',
      'delete.retention.ms': '100',
    });
    const cart = env.topics.toPhysical('cart-events');
    for (let round = 0; round < 3; round += 1) {
      await env.produce(
        cart,
        Array.from({ length: 10 }, () => checkoutEventMessage('cart-events', 'c-1')),
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // the next append rolls a segment
    }
    await env.produce(cart, [checkoutEventMessage('cart-events', 'c-2')]);
    const remaining = async () => {
      const consumer = env.kafka.consumer({ groupId: `${env.prefix}count-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topics: [cart], fromBeginning: true });
      const offsets: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void offsets.push(message.offset) });
      await waitFor(() => offsets.includes('30'), 'the last record read');
      await consumer.disconnect();
      return offsets;
    };
    let offsets: string[] = [];
    await waitFor(
      async () => {
        await env.produce(cart, [checkoutEventMessage('cart-events', 'c-3')]); // keeps segments rolling
        offsets = (await remaining()).filter((offset) => Number(offset) <= 30);
        return offsets.length < 31;
      },
      'the log cleaner to compact the topic',
      90_000,
    );

    const store = createMemoryStore();
    const halted: HaltedPartition[][] = [];
    const source = startSource(env, engineOver(env, store), {
      onHistoryTruncated: 'halt-partition',
      onPartitionHalted: (list) => halted.push([...list]),
      allowCompactedTopics: true, // the operator's explicit yes: refused otherwise
    });
    const { high } = (await env.admin.fetchTopicOffsets(cart))[0]!;
    await waitFor(
      () => store.checkpoints.get('cart-events:0') === high,
      'the compacted partition stored to its end',
    );
    expect(halted).toEqual([]);
    expect(offsets.length).toBeLessThan(31); // the log the source read held gaps
    console.info(
      `compacted: ${31 - offsets.length} of the first 31 offsets removed by the cleaner; stored to ${high}, no alarm`,
    );
    await source.stop();
  }, 120_000);
});

describe('runKafkaSource with transactional producers', () => {
  /*
   * Why: a transactional producer ends each transaction with a commit marker, an offset with no
   * event. The stored checkpoint (last event + 1) can then point at a marker. kafkajs consumes a
   * fetch holding only markers by itself, without calling eachBatch, so after a restart the
   * first batch arrives from beyond the checkpoint; taken for a wrong position, it would be
   * answered with a seek back to the marker: a wasted refetch, or a loop whenever the fetch at
   * the marker returns the marker alone.
   */
  it('resumes after a checkpoint that points at a transaction marker', async () => {
    const env = await setup('tx-marker', 1);
    const producer = env.kafka.producer({
      transactionalId: `${env.prefix}tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const transaction = await producer.transaction();
    await transaction.send({
      topic: env.topics.toPhysical('cart-events'),
      messages: [
        checkoutEventMessage('cart-events', 'tx-1'),
        checkoutEventMessage('cart-events', 'tx-1'),
      ],
    });
    await transaction.commit();

    const store = createMemoryStore();
    const first = startSource(env, engineOver(env, store));
    await waitFor(() => store.checkpoints.get('cart-events:0') === '2', 'the transaction stored');
    await first.stop();

    const messages: string[] = [];
    const record = (_fields: object, message: string) => void messages.push(message);
    const log = { debug: record, info: record, warn: record, error: record };
    const second = startSource(env, engineOver(env, store), { log });
    await waitFor(
      () => messages.includes('Positioned the assigned partitions at their stored checkpoints'),
      'positioned',
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // the fetch at the marker comes back alone
    await env.produce(env.topics.toPhysical('cart-events'), [
      checkoutEventMessage('cart-events', 'tx-1'),
    ]);
    await waitFor(
      () => store.checkpoints.get('cart-events:0') === '4',
      'the event after the marker stored',
    );
    expect(store.snapshots.get('tx-1')?.order.meta.event_count).toBe(3);
    expect(messages.filter((message) => message.includes('seeking to the checkpoint'))).toEqual([]);
    await second.stop();
  });
});
