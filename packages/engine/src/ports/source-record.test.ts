import { describe, expect, it } from 'vitest';
import { parseTopicPartitionKey, topicPartitionKey } from './source-record.ts';

describe('topic-partition keys', () => {
  it('round-trip, prefixed topic names included', () => {
    for (const [topic, partition] of [
      ['cart-events', 0],
      ['staging.v2.payment-events', 11],
    ] as const) {
      expect(parseTopicPartitionKey(topicPartitionKey(topic, partition))).toEqual({
        topic,
        partition,
      });
    }
  });

  it('refuses what is not one', () => {
    for (const key of ['cart-events', ':3', 'cart-events:', 'cart-events:-1', 'cart-events:01'])
      expect(parseTopicPartitionKey(key)).toBeUndefined();
  });
});
