import { createProjectionEngine, topicPartitionKey, type DeadLetterEntry } from '@checkout/engine';
import type { KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { createKafkaDeadLetterSink } from './dead-letter-producer.ts';
import { runKafkaSource } from './kafka-record-source.ts';
import { checkoutEventMessage } from './test-support/checkout-events.ts';
import { kafkaTestEnv, waitFor, type KafkaTestEnv } from './test-support/kafka-test-env.ts';
import { createMemoryStore } from './test-support/memory-store.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Reads `count` messages of `topic` from the beginning. */
async function readTopic(env: KafkaTestEnv, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = env.kafka.consumer({ groupId: `${env.prefix}reader`, maxWaitTimeInMs: 200 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
    await waitFor(() => messages.length >= count, `${count} messages on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

describe('Kafka dead-letter sink', () => {
  it('creates the topic and publishes entries keyed by the original key, with x-dlq-reason', async () => {
    const env = await kafkaTestEnv('dlq-sink');
    cleanups.push(() => env.cleanup());
    const topic = `${env.prefix}checkout-events-dlq`;
    const sink = createKafkaDeadLetterSink({ kafka: env.kafka, topic, partitions: 1 });
    cleanups.push(async () => {
      await sink.disconnect();
      await env.admin.deleteTopics({ topics: [topic] }).catch(() => {});
    });
    const entry: DeadLetterEntry = {
      reason: 'invalid_payload',
      message: 'payload.quantity: expected an integer',
      original: {
        topic: 'cart-events',
        partition: 1,
        offset: '41',
        timestamp: '1767225600000',
        key: 'session-9',
        key_encoding: 'utf8',
        value: '{"event_name":"cart.item_added"}',
        value_encoding: 'utf8',
        headers: { traceparent: '00-abc' },
      },
      event_id: 'e-9',
      event_name: 'cart.item_added',
      correlation_id: null,
    };
    await sink.publish([entry]);
    const [message] = await readTopic(env, topic, 1);
    expect(message?.key?.toString()).toBe('session-9');
    expect(JSON.parse(message?.value?.toString() ?? 'null')).toEqual(entry);
    expect(message?.headers?.['x-dlq-reason']?.toString()).toBe('invalid_payload');
    expect(message?.headers?.['traceparent']?.toString()).toBe('00-abc');
  });

  it('receives the poison records of a projected topic while the partition moves on', async () => {
    const env = await kafkaTestEnv('dlq-e2e');
    cleanups.push(() => env.cleanup());
    await env.createTopics(env.topics.physical, 1);
    const dlqTopic = `${env.prefix}dlq`;
    const deadLetters = createKafkaDeadLetterSink({
      kafka: env.kafka,
      topic: dlqTopic,
      partitions: 1,
    });
    cleanups.push(async () => {
      await deadLetters.disconnect();
      await env.admin.deleteTopics({ topics: [dlqTopic] }).catch(() => {});
    });
    const store = createMemoryStore();
    const engine = createProjectionEngine({ store, deadLetters, topics: env.topics });
    const stop = new AbortController();
    const done = runKafkaSource({
      kafka: env.kafka,
      groupId: env.groupId,
      topics: env.topics,
      engine,
      signal: stop.signal,
      maxWaitTimeMs: 200,
    });
    cleanups.push(async () => {
      stop.abort();
      await done;
    });

    const cart = env.topics.toPhysical('cart-events');
    await env.produce(cart, [
      checkoutEventMessage('cart-events', 'p-1'),
      { key: 'p-1', value: '{not json', headers: { 'x-origin': 'test' } },
      { key: 'p-1', value: Buffer.from([0xff, 0xfe, 0x00]) },
      checkoutEventMessage('cart-events', 'p-1'),
      // A valid event of p-1 keyed to another session: it may sit on another partition.
      { ...checkoutEventMessage('cart-events', 'p-1'), key: 'someone-else' },
    ]);
    await waitFor(
      () => store.checkpoints.get(topicPartitionKey('cart-events', 0)) === '5',
      'the partition moved past the poison',
    );
    expect(store.snapshots.get('p-1')?.order.meta.event_count).toBe(2);

    const entries = (await readTopic(env, dlqTopic, 3)).map(
      (m) => JSON.parse(m.value?.toString() ?? '') as DeadLetterEntry,
    );
    expect(entries.map((e) => [e.reason, e.original.offset, e.original.value_encoding])).toEqual([
      ['invalid_json', '1', 'utf8'],
      ['invalid_json', '2', 'base64'],
      ['key_mismatch', '4', 'utf8'],
    ]);
    expect(entries[2]?.original.key).toBe('someone-else');
    expect(entries[0]?.original).toMatchObject({
      topic: cart,
      partition: 0,
      key: 'p-1',
      key_encoding: 'utf8',
      value: '{not json',
      headers: { 'x-origin': 'test' },
    });
  });

  it('moves past a poison record near the broker limit: its entry is bounded, sends are split by size', async () => {
    const env = await kafkaTestEnv('dlq-large');
    cleanups.push(() => env.cleanup());
    await env.createTopics(env.topics.physical, 1);
    const dlqTopic = `${env.prefix}dlq`;
    const deadLetters = createKafkaDeadLetterSink({
      kafka: env.kafka,
      topic: dlqTopic,
      partitions: 1,
    });
    cleanups.push(async () => {
      await deadLetters.disconnect();
      await env.admin.deleteTopics({ topics: [dlqTopic] }).catch(() => {});
    });
    const store = createMemoryStore();
    const engine = createProjectionEngine({ store, deadLetters, topics: env.topics });
    const stop = new AbortController();
    const done = runKafkaSource({
      kafka: env.kafka,
      groupId: env.groupId,
      topics: env.topics,
      engine,
      signal: stop.signal,
      maxWaitTimeMs: 200,
    });
    cleanups.push(async () => {
      stop.abort();
      await done;
    });
    const cart = env.topics.toPhysical('cart-events');
    // Base64 makes 1 000 000 bytes 1 333 336 characters: whole, the entry exceeds 1 MiB. Four
    // entries of 200 000 JSON characters each exceed one request's 768 KiB together.
    const large = Buffer.alloc(1_000_000, 0xff);
    await env.produce(cart, [{ key: 'p-1', value: large }]);
    await env.produce(
      cart,
      Array.from({ length: 4 }, (_, i) => ({ key: 'p-1', value: `{${'x'.repeat(200_000)}${i}` })),
    );
    await env.produce(cart, [checkoutEventMessage('cart-events', 'p-1')]);
    await waitFor(
      () => store.checkpoints.get(topicPartitionKey('cart-events', 0)) === '6',
      'the partition moved past the poison',
    );
    const entries = (await readTopic(env, dlqTopic, 5)).map(
      (m) => JSON.parse(m.value?.toString() ?? '') as DeadLetterEntry,
    );
    expect(entries.map((e) => [e.original.offset, e.original.value_truncated?.bytes])).toEqual([
      ['0', 1_000_000],
      ['1', undefined],
      ['2', undefined],
      ['3', undefined],
      ['4', undefined],
    ]);
  });

  it('refuses, without retrying, an entry the topic can never take', async () => {
    const env = await kafkaTestEnv('dlq-refused');
    cleanups.push(() => env.cleanup());
    const topic = `${env.prefix}small-dlq`;
    await env.createTopics([topic], 1, { 'max.message.bytes': '10000' });
    const sink = createKafkaDeadLetterSink({ kafka: env.kafka, topic, createTopic: false });
    cleanups.push(async () => {
      await sink.disconnect();
      await env.admin.deleteTopics({ topics: [topic] }).catch(() => {});
    });
    const entry: DeadLetterEntry = {
      reason: 'invalid_json',
      message: 'not JSON',
      original: {
        topic: 'cart-events',
        partition: 0,
        offset: '7',
        timestamp: '0',
        key: 'p-1',
        key_encoding: 'utf8',
        value: 'x'.repeat(50_000),
        value_encoding: 'utf8',
        headers: {},
      },
      event_id: null,
      event_name: null,
      correlation_id: null,
    };
    const error: unknown = await sink.publish([entry]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DEAD_LETTER_REFUSED', canRetry: false });
    expect(String((error as Error).message)).toMatch(/MESSAGE_TOO_LARGE|too large/i);
  });
});
