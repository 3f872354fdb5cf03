import { CompressionTypes, Partitioners, type Consumer, type Kafka } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { onCleanup } from './cleanup.ts';
import { createKafka } from './clients.ts';
import { consumeMessages } from './consume.ts';
import { createTopics, uniqueNames, waitForTopicLeaders } from './isolation.ts';
import { sharedInfrastructure } from './provided-context.ts';
import { sleep } from './sleep.ts';

// Why: kafkajs 2.2.4 is unmaintained since 2023 and predates Kafka 4.0, which removed old
// protocol versions (KIP-896). These are the client features the projector relies on; run this
// file against another broker version with `KAFKA_VERSION=<v> pnpm test:int kafkajs-compat`.
// Findings: scripts/kafka/README.md. Topics are created without kafkajs' `waitForLeaders`,
// which is racy against KRaft brokers (see createTopics in isolation.ts).

async function connectedProducer(kafka: Kafka, idempotent: boolean) {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent,
    ...(idempotent ? { maxInFlightRequests: 1 } : {}),
  });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return producer;
}

describe('kafkajs 2.2.4 against the shared broker', () => {
  test('admin creates, describes, lists and deletes topics and reads watermarks', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const names = uniqueNames('compat-admin');
    const topic = names.topic('admin');
    const admin = createKafka(kafkaBrokers, names.prefix).admin();
    await admin.connect();
    onCleanup(() => admin.disconnect());

    expect(
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false }),
    ).toBe(true);
    await waitForTopicLeaders(admin, [topic], 3);
    const cluster = await admin.describeCluster();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const watermarks = await admin.fetchTopicOffsets(topic);

    expect(cluster.brokers).toHaveLength(1);
    expect(topics[0]?.partitions).toHaveLength(3);
    expect(watermarks.map((w) => [w.low, w.high])).toEqual([
      ['0', '0'],
      ['0', '0'],
      ['0', '0'],
    ]);
    expect(await admin.listTopics()).toContain(topic);
    await admin.deleteTopics({ topics: [topic] });
  });

  test('an idempotent producer (acks=all) writes every message once, in order per partition', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const names = uniqueNames('compat-idempotent');
    const topic = names.topic('idempotent');
    await createTopics(kafkaBrokers, [topic], 3);
    const kafka = createKafka(kafkaBrokers, names.prefix);
    const producer = await connectedProducer(kafka, true);

    for (let batch = 0; batch < 5; batch += 1) {
      const messages = Array.from({ length: 20 }, (_, i) => ({
        key: `k${i % 3}`,
        value: `${batch}-${i}`,
      }));
      await producer.send({ topic, acks: -1, messages });
    }
    const received = await consumeMessages(kafka, {
      groupId: names.groupId(),
      topics: [topic],
      count: 100,
    });

    expect(new Set(received.map((m) => m.value)).size).toBe(100);
    for (const partition of [0, 1, 2]) {
      const offsets = received
        .filter((m) => m.partition === partition)
        .map((m) => Number(m.offset));
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  test('gzip-compressed batches are fetched and decompressed', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const names = uniqueNames('compat-gzip');
    const topic = names.topic('gzip');
    await createTopics(kafkaBrokers, [topic], 3);
    const kafka = createKafka(kafkaBrokers, names.prefix);
    const producer = await connectedProducer(kafka, false);
    const values = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ i, pad: 'x'.repeat(200) }),
    );

    await producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: values.map((value, i) => ({
        key: `k${i % 5}`,
        value,
        headers: { 'x-reason': `r${i}` },
      })),
    });
    const received = await consumeMessages(kafka, {
      groupId: names.groupId(),
      topics: [topic],
      count: 50,
    });

    expect(received.map((m) => m.value).sort()).toEqual([...values].sort());
    expect(received.map((m) => m.headers['x-reason']).sort()).toEqual(
      values.map((_, i) => `r${i}`).sort(),
    );
  });

  test('a consumer group joins, commits, rebalances onto a second member and resumes from the commit', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const names = uniqueNames('compat-group');
    const topic = names.topic('group');
    await createTopics(kafkaBrokers, [topic], 4);
    const kafka = createKafka(kafkaBrokers, names.prefix);
    const producer = await connectedProducer(kafka, false);
    const produce = (round: string, perPartition: number) =>
      producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2, 3].flatMap((partition) =>
          Array.from({ length: perPartition }, (_, i) => ({
            partition,
            value: `${round}-${partition}-${i}`,
          })),
        ),
      });
    const groupId = names.groupId();
    const seen: string[] = [];
    const assignments = new Map<string, number[]>();
    const member = async (name: string): Promise<Consumer> => {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, heartbeatInterval: 300 });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        assignments.set(name, payload.memberAssignment[topic] ?? []);
      });
      await consumer.connect();
      onCleanup(() => consumer.disconnect());
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          seen.push(message.value?.toString() ?? '');
          const next = (BigInt(message.offset) + 1n).toString();
          await consumer.commitOffsets([{ topic, partition, offset: next }]);
        },
      });
      return consumer;
    };
    const until = async (what: string, check: () => boolean, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(100);
      }
    };

    await produce('first', 5);
    await member('a');
    await until('member a to read 20 messages', () => seen.length === 20);
    const admin = kafka.admin();
    await admin.connect();
    onCleanup(() => admin.disconnect());
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed[0]?.partitions.map((p) => p.offset).sort()).toEqual(['5', '5', '5', '5']);

    await member('b');
    await until('the rebalance to split 4 partitions over a and b', () => {
      const a = assignments.get('a') ?? [];
      const b = assignments.get('b') ?? [];
      return (
        a.length > 0 &&
        b.length > 0 &&
        new Set([...a, ...b]).size === 4 &&
        a.length + b.length === 4
      );
    });
    await produce('second', 2);
    await until('8 more messages', () => seen.length >= 28);
    await sleep(500);

    expect(seen).toHaveLength(28);
    expect(seen.slice(20).every((v) => v.startsWith('second-'))).toBe(true);
    const [described] = (await admin.describeGroups([groupId])).groups;
    expect(described?.members).toHaveLength(2);
  });

  test('offsets of a stopped group reset to zero are read again from there', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const names = uniqueNames('compat-reset');
    const topic = names.topic('reset');
    await createTopics(kafkaBrokers, [topic], 3);
    const kafka = createKafka(kafkaBrokers, names.prefix);
    const producer = await connectedProducer(kafka, false);
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 9 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    const groupId = names.groupId();
    await consumeMessages(kafka, { groupId, topics: [topic], count: 9 });
    const admin = kafka.admin();
    await admin.connect();
    onCleanup(() => admin.disconnect());

    await admin.setOffsets({
      groupId,
      topic,
      partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })),
    });
    const again = await consumeMessages(kafka, {
      groupId,
      topics: [topic],
      count: 9,
      fromBeginning: false,
    });

    expect(again.map((m) => m.value).sort()).toEqual(
      Array.from({ length: 9 }, (_, i) => `v${i}`).sort(),
    );
  });
});
