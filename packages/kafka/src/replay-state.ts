import { compareOffsets } from '@checkout/domain';
import { topicPartitionKey, type TopicPartition } from '@checkout/engine';
import type { ConsumerLag } from './consumer-lag.ts';
import type { KafkaLog } from './kafka-log.ts';
import type { SourceReadiness } from './source-readiness.ts';

/**
 * Partitions replaying because the store went back (a flush, a restore from an older copy):
 * until each is stored up to the log end it had when the loss was found, the projection of its
 * sessions is older than what was served before, possibly empty. The source is not ready
 * meanwhile (`replaying …` on `/readyz`), so answers built on it are not taken for current; a
 * replay after a rebalance or a restart is ordinary catching up and does not count.
 */
export interface ReplayState {
  /** The stored checkpoint of a partition went back to `stored` (null: gone). */
  wentBack(partition: TopicPartition, stored: string | null): void;
  /** The partition is stored up to `nextOffset`. */
  stored(topic: string, partition: number, nextOffset: string): void;
  /** A new assignment: the partitions are positioned afresh. */
  clear(): void;
  /** Partitions still replaying. */
  replaying(): readonly TopicPartition[];
}

export function createReplayState(context: {
  lag: ConsumerLag;
  readiness: SourceReadiness;
  log: KafkaLog;
  /** After every change, the partitions still replaying. */
  onChange?: ((replaying: readonly TopicPartition[]) => void) | undefined;
}): ReplayState {
  /** Key → the partition and the offset it must be stored up to. */
  const targets = new Map<string, TopicPartition & { until: string }>();

  function publish(): void {
    const list = [...targets.values()].map(({ topic, partition }) => ({ topic, partition }));
    context.readiness.replaying(
      list.length === 0
        ? null
        : `replaying ${list.map(({ topic, partition }) => topicPartitionKey(topic, partition)).join(', ')} ` +
            'from where the store lost its data; answers until then may be stale',
    );
    context.onChange?.(list);
  }

  return {
    wentBack({ topic, partition }, stored) {
      const key = topicPartitionKey(topic, partition);
      const high = context.lag
        .snapshot()
        .find((p) => p.topic === topic && p.partition === partition);
      const until = high?.highWatermark ?? '0';
      if (compareOffsets(until, stored ?? '0') <= 0) return;
      targets.set(key, { topic, partition, until });
      context.log.warn(
        { topic, partition, stored, until },
        'Replaying a partition whose stored checkpoint went back; not ready until it is stored up to the log end',
      );
      publish();
    },
    stored(topic, partition, nextOffset) {
      const key = topicPartitionKey(topic, partition);
      const target = targets.get(key);
      if (target === undefined || compareOffsets(nextOffset, target.until) < 0) return;
      targets.delete(key);
      context.log.info({ topic, partition, nextOffset }, 'Partition replayed up to where it was');
      publish();
    },
    clear() {
      if (targets.size === 0) return;
      targets.clear();
      publish();
    },
    replaying: () => [...targets.values()],
  };
}
