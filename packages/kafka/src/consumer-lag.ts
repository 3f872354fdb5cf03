import { topicPartitionKey, type TopicPartition } from '@checkout/engine';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Records not yet projected: high watermark − next offset to process, never negative. */
  lag: number;
  highWatermark: string;
  nextOffset: string;
}

/**
 * Consumer lag per owned partition, for `/metrics` and `checkout-rebuild status`. Fed from
 * what the consumer sees anyway (each batch's high watermark, each stored position, the
 * watermarks read at assignment), so reading it costs no broker round trip.
 */
export interface ConsumerLag {
  observe(
    topic: string,
    partition: number,
    update: { highWatermark?: string; nextOffset?: string },
  ): void;
  forget(partitions: readonly TopicPartition[]): void;
  clear(): void;
  snapshot(): PartitionLag[];
}

export function createConsumerLag(): ConsumerLag {
  const entries = new Map<
    string,
    { topic: string; partition: number; high: bigint; next: bigint }
  >();
  return {
    observe(topic, partition, update) {
      const key = topicPartitionKey(topic, partition);
      const entry = entries.get(key) ?? { topic, partition, high: 0n, next: 0n };
      // The high watermark only grows; the next offset follows the position, back too (a replay is lag).
      if (update.highWatermark !== undefined)
        entry.high = max(entry.high, BigInt(update.highWatermark));
      if (update.nextOffset !== undefined) entry.next = BigInt(update.nextOffset);
      entries.set(key, entry);
    },
    forget(partitions) {
      for (const { topic, partition } of partitions)
        entries.delete(topicPartitionKey(topic, partition));
    },
    clear() {
      entries.clear();
    },
    snapshot() {
      return [...entries.values()]
        .map(({ topic, partition, high, next }) => ({
          topic,
          partition,
          lag: Number(max(high - next, 0n)),
          highWatermark: high.toString(),
          nextOffset: next.toString(),
        }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    },
  };
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
