import { setTimeout as sleep } from 'node:timers/promises';
import { topicPartitionKey, type ProjectionEngine } from '@checkout/engine';

/**
 * Wraps an engine and records the offsets each fold was handed, per `"<topic>:<partition>"`
 * (what the source delivered, before the engine's own filtering), and how many calls (folds
 * and wave commits) overlapped: in all, and of one partition number.
 */
export interface RecordingEngine extends ProjectionEngine {
  delivered: Map<string, string[]>;
  /** Folds. */
  batches: number;
  /** Wave commits. */
  waves: number;
  /** Most calls in flight at once. */
  maxInFlight: number;
  /** Most calls in flight at once that held the same partition number. */
  maxInFlightOfOnePartitionNumber: number;
}

export function recordingEngine(
  engine: ProjectionEngine,
  options: { /** Added to every fold, to make overlaps likely. */ delayMs?: number } = {},
): RecordingEngine {
  const inFlight = new Map<number, number>();
  let total = 0;

  async function counted<T>(partitionNumbers: ReadonlySet<number>, call: () => Promise<T>) {
    total += 1;
    recording.maxInFlight = Math.max(recording.maxInFlight, total);
    for (const number of partitionNumbers) {
      const count = (inFlight.get(number) ?? 0) + 1;
      inFlight.set(number, count);
      recording.maxInFlightOfOnePartitionNumber = Math.max(
        recording.maxInFlightOfOnePartitionNumber,
        count,
      );
    }
    try {
      return await call();
    } finally {
      total -= 1;
      for (const number of partitionNumbers) inFlight.set(number, (inFlight.get(number) ?? 1) - 1);
    }
  }

  const recording: RecordingEngine = {
    delivered: new Map(),
    batches: 0,
    waves: 0,
    maxInFlight: 0,
    maxInFlightOfOnePartitionNumber: 0,
    resumePositions: (partitions) => engine.resumePositions(partitions),
    forget: (partitions) => engine.forget(partitions),
    checkpointsBehind: () => engine.checkpointsBehind(),
    verifyCheckpoints: (partitionNumbers) =>
      partitionNumbers === undefined
        ? engine.verifyCheckpoints()
        : counted(new Set(partitionNumbers), () => engine.verifyCheckpoints(partitionNumbers)),
    nextOffset: (partition) => engine.nextOffset(partition),
    drainChangelog: () => engine.drainChangelog(),
    processBatch: (records) => engine.processBatch(records),
    async fold(records) {
      recording.batches += 1;
      for (const { topic, partition, offset } of records) {
        const key = topicPartitionKey(topic, partition);
        const offsets = recording.delivered.get(key) ?? [];
        offsets.push(offset);
        recording.delivered.set(key, offsets);
      }
      return counted(new Set(records.map((record) => record.partition)), async () => {
        if (options.delayMs !== undefined) await sleep(options.delayMs);
        return engine.fold(records);
      });
    },
    commitWave(partition) {
      recording.waves += 1;
      return counted(new Set([partition]), () => engine.commitWave(partition));
    },
  };
  return recording;
}
