import { randomBytes } from 'node:crypto';
import { CHECKOUT_TOPICS } from '@checkout/domain';
import { topicNames, topicPartitionKey, type TopicNames } from '@checkout/engine';
import kafkajs from 'kafkajs';
import type { Admin, CompressionTypes, Kafka, Message, Producer } from 'kafkajs';
import { inject } from 'vitest';
import { createKafka } from '../create-kafka.ts';
import { ensureTopics } from '../topic-layout.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    redisUrl: string;
  }
}

/**
 * One integration test's corner of the shared broker (vitest globalSetup, `inject`): its own
 * topic prefix and group id, its topics deleted by `cleanup()`.
 */
export interface KafkaTestEnv {
  brokers: string[];
  kafka: Kafka;
  prefix: string;
  topics: TopicNames;
  groupId: string;
  admin: Admin;
  producer: Producer;
  createTopics(
    names: readonly string[],
    partitions?: number,
    config?: Record<string, string>,
  ): Promise<void>;
  produce(topic: string, messages: Message[], compression?: CompressionTypes): Promise<void>;
  cleanup(): Promise<void>;
}

export async function kafkaTestEnv(label: string): Promise<KafkaTestEnv> {
  const brokers = inject('kafkaBrokers');
  const prefix = `${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}.`;
  const kafka = createKafka({ brokers, clientId: `test-${label}`, logLevel: 'error' });
  const admin = kafka.admin();
  // Idempotent: a plain kafkajs producer re-sends a whole request when one partition of it
  // fails (a fresh topic's leader not known yet), duplicating the partitions that succeeded.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  await Promise.all([admin.connect(), producer.connect()]);
  const created: string[] = [];
  return {
    brokers,
    kafka,
    prefix,
    topics: topicNames(prefix),
    groupId: `${prefix}group`,
    admin,
    producer,
    async createTopics(names, partitions = 3, config = {}) {
      created.push(
        ...(await ensureTopics(admin, names, partitions, { replicationFactor: 1, config })),
      );
    },
    async produce(topic, messages, compression) {
      await producer.send({
        topic,
        messages,
        acks: -1,
        ...(compression === undefined ? {} : { compression }),
      });
    },
    async cleanup() {
      await producer.disconnect();
      if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => {});
      await admin.disconnect();
    },
  };
}

/** Every partition's stored checkpoint (logical names) has reached its high watermark. */
export async function caughtUp(
  env: KafkaTestEnv,
  store: { checkpoints: ReadonlyMap<string, string> },
): Promise<boolean> {
  for (const topic of CHECKOUT_TOPICS) {
    for (const { partition, high } of await env.admin.fetchTopicOffsets(
      env.topics.toPhysical(topic),
    )) {
      if ((store.checkpoints.get(topicPartitionKey(topic, partition)) ?? '0') !== high)
        return false;
    }
  }
  return true;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
