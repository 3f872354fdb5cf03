import { topicPartitionKey, type ProjectionEngine } from '@checkout/engine';
import type { Admin } from 'kafkajs';
import type { LoadStarts } from './assignment-positions.ts';
import type { ConsumerLag } from './consumer-lag.ts';
import type { PartitionStart } from './resume-target.ts';
import { fetchWatermarks } from './topic-layout.ts';

/** Checkpoints (store) and watermarks (broker) of a new assignment's partitions. */
export function loadStarts(engine: ProjectionEngine, admin: Admin, lag: ConsumerLag): LoadStarts {
  return async (partitions) => {
    const owned = [...new Set(partitions.map(({ topic }) => topic))];
    const [checkpoints, watermarks] = await Promise.all([
      engine.resumePositions(partitions),
      fetchWatermarks(admin, owned),
    ]);
    const starts = new Map<string, PartitionStart>();
    for (const { topic, partition } of partitions) {
      const key = topicPartitionKey(topic, partition);
      const marks = watermarks.get(key);
      if (marks === undefined) continue;
      const checkpoint = checkpoints.get(key) ?? null;
      starts.set(key, { checkpoint, low: marks.low, high: marks.high });
      lag.observe(topic, partition, {
        highWatermark: marks.high,
        nextOffset: checkpoint ?? marks.low,
      });
    }
    return starts;
  };
}
