import {
  applyEvent,
  encodeSnapshot,
  initialCheckoutOrder,
  parseCheckoutEvent,
  sessionIdOf,
  type CheckoutOrder,
} from '@checkout/domain';
import type { TopicNames } from '@checkout/engine';
import { keyspace } from '@checkout/redis';
import type { KafkaBatch } from './kafka-consumption.ts';
import type { RedisClient } from './redis-stats.ts';

/**
 * (b) The design this project replaces: one event at a time, `findBySessionId` (GET the
 * snapshot) → apply → `save` (SET it back), awaited before the next event. Two round trips per
 * event, no batching.
 *
 * Kept as favourable to it as it can be: the snapshot is hydrated with a bare JSON.parse (no
 * schema validation, which decodeSnapshot does), poison is skipped without a dead-letter
 * publish, and no checkpoint is stored (it has only Kafka's committed offsets).
 */
export function originalDesignHandler(options: {
  redis: RedisClient;
  topics: TopicNames;
  namespace: string;
  ttlSeconds: number;
}): { handle(batch: KafkaBatch): Promise<void> } {
  const keys = keyspace(options.namespace, null);

  async function handleMessage(
    topic: string,
    partition: number,
    offset: string,
    value: Buffer | null,
  ) {
    const logical = options.topics.toLogical(topic);
    if (logical === undefined || value === null) return;
    const parsed = parseCheckoutEvent(value, logical);
    if (!parsed.ok || parsed.value.kind !== 'event') return;
    const event = parsed.value.event;
    const sessionId = sessionIdOf(event);
    const key = keys.snapshot(sessionId);
    const stored = await options.redis.get(key);
    const order: CheckoutOrder =
      stored === null ? initialCheckoutOrder(sessionId) : (JSON.parse(stored) as CheckoutOrder);
    const outcome = applyEvent(order, event, { topic: logical, partition, offset });
    if (outcome.status !== 'applied') return;
    await options.redis.set(key, encodeSnapshot(outcome.order), 'EX', options.ttlSeconds);
  }

  return {
    async handle(batch) {
      for (const message of batch.messages) {
        await handleMessage(batch.topic, batch.partition, message.offset, message.value);
      }
    },
  };
}
