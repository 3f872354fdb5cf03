import { Partitioners, type Kafka } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { onCleanup } from './cleanup.ts';
import { connectRedis, createKafka } from './clients.ts';
import { consumeMessages } from './consume.ts';
import { createTopics, uniqueNames } from './isolation.ts';
import { startKafkaBroker } from './kafka-broker.ts';
import { sharedInfrastructure } from './provided-context.ts';
import { startRedisServer } from './redis-server.ts';

// The real servers the rest of the suite builds on: if these fail, nothing above them can pass.

const sourceTopics = [
  'cart-events',
  'shipping-events',
  'promotion-events',
  'services-events',
  'payment-events',
];

function envelope(topic: string, sessionId: string, n: number): Record<string, unknown> {
  const prefix = topic.replace('-events', '');
  return {
    event_id: `${sessionId}-${prefix}-${n}`,
    event_name: `${prefix}.test_event`,
    aggregate_id: sessionId,
    occurred_at: new Date(Date.UTC(2025, 0, 1, 12, 0, n)).toISOString(),
    schema_version: 1,
    payload: { session_id: sessionId, n },
  };
}

async function connectedProducer(kafka: Kafka) {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
  });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return producer;
}

describe('the shared broker and Redis', () => {
  test('events on five 3-partition topics, keyed by session, come back whole through a consumer group', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const names = uniqueNames('round-trip');
    const topics = sourceTopics.map((t) => names.topic(t));
    await createTopics(kafkaBrokers, topics, 3);
    const kafka = createKafka(kafkaBrokers, names.prefix);
    const producer = await connectedProducer(kafka);

    const sessions = Array.from({ length: 12 }, (_, i) => `session-${i}`);
    const sent = topics.flatMap((topic, t) =>
      sessions.map((sessionId, s) => ({
        topic,
        key: sessionId,
        value: JSON.stringify(envelope(sourceTopics[t] ?? '', sessionId, s)),
      })),
    );
    await producer.sendBatch({
      acks: -1,
      topicMessages: topics.map((topic) => ({
        topic,
        messages: sent.filter((m) => m.topic === topic).map(({ key, value }) => ({ key, value })),
      })),
    });

    const received = await consumeMessages(kafka, {
      groupId: names.groupId(),
      topics,
      count: sent.length,
    });

    const comparable = (m: { topic: string; key: string | null; value: string | null }) =>
      `${m.topic}|${m.key}|${m.value}`;
    expect(received).toHaveLength(sent.length);
    expect(received.map(comparable).sort()).toEqual(sent.map(comparable).sort());
    // Co-partitioning: one session lands on the same partition number in every topic.
    for (const sessionId of sessions) {
      const partitions = new Set(
        received.filter((m) => m.key === sessionId).map((m) => m.partition),
      );
      expect(partitions.size, sessionId).toBe(1);
    }
  });

  test('a JSON document survives SET/GET under the test key prefix', async () => {
    const { redisUrl } = sharedInfrastructure();
    const names = uniqueNames('redis-json');
    const redis = connectRedis(redisUrl, names.prefix);
    const key = names.key('checkout:order:{session-1}');
    const doc = {
      schema_version: 1,
      session_id: 'session-1',
      totals: { grand_total_cents: 12_345 },
    };

    await redis.set(key, JSON.stringify(doc));

    expect(JSON.parse((await redis.get(key)) ?? 'null')).toEqual(doc);
  });
});

describe('servers killed with SIGKILL and restarted', () => {
  test('redis with AOF keeps an acknowledged write', async () => {
    const server = await startRedisServer({ persistence: 'aof' });
    onCleanup(() => server.stop());
    const writer = connectRedis(server.url);
    await writer.set('checkout:order:{s-aof}', '{"v":1}');
    writer.disconnect();

    await server.kill();
    await server.restart();

    const reader = connectRedis(server.url);
    expect(await reader.get('checkout:order:{s-aof}')).toBe('{"v":1}');
  });

  test('a Kafka broker keeps acknowledged messages', async () => {
    const broker = await startKafkaBroker();
    onCleanup(() => broker.stop());
    const names = uniqueNames('broker-restart');
    const topic = names.topic('cart-events');
    await createTopics(broker.brokers, [topic], 3);
    const kafka = createKafka(broker.brokers, names.prefix);
    const producer = await connectedProducer(kafka);
    const values = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify(envelope('cart-events', `s-${i % 7}`, i)),
    );
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((value, i) => ({ key: `s-${i % 7}`, value })),
    });
    await producer.disconnect();

    await broker.kill();
    await broker.restart();

    const received = await consumeMessages(createKafka(broker.brokers, names.prefix), {
      groupId: names.groupId(),
      topics: [topic],
      count: values.length,
    });
    expect(received.map((m) => m.value).sort()).toEqual([...values].sort());
  });
});
