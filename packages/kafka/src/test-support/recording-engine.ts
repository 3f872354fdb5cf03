import { topicPartitionKey, type ProjectionEngine } from '@checkout/engine';

/**
 * Wraps an engine and records the offsets each call to processBatch was handed, per
 * `"<topic>:<partition>"`: what the source delivered, before the engine's own filtering.
 */
export interface RecordingEngine extends ProjectionEngine {
  delivered: Map<string, string[]>;
  batches: number;
}

export function recordingEngine(engine: ProjectionEngine): RecordingEngine {
  const recording: RecordingEngine = {
    delivered: new Map(),
    batches: 0,
    resumePositions: (partitions) => engine.resumePositions(partitions),
    forget: (partitions) => engine.forget(partitions),
    verifyCheckpoints: () => engine.verifyCheckpoints(),
    async processBatch(records) {
      recording.batches += 1;
      for (const { topic, partition, offset } of records) {
        const key = topicPartitionKey(topic, partition);
        const offsets = recording.delivered.get(key) ?? [];
        offsets.push(offset);
        recording.delivered.set(key, offsets);
      }
      return engine.processBatch(records);
    },
  };
  return recording;
}
