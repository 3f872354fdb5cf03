import { setTimeout as sleep } from 'node:timers/promises';
import {
  retryTransient,
  isRetryable,
  topicPartitionKey,
  type ProjectionEngine,
  type TopicPartition,
} from '@checkout/engine';
import type { InMemoryLog } from './in-memory-log.ts';

export interface EmbeddedSourceOptions {
  log: InMemoryLog;
  topics: readonly string[];
  engine: ProjectionEngine;
  signal: AbortSignal;
  /** @default 500 */
  batchSize?: number;
  /** Pause when every partition is drained. @default 50 */
  idleMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Drives the engine from the in-process log, partition by partition, the way the Kafka
 * source drives it from the broker: resume at the stored checkpoint, process a batch, move
 * on only after the engine committed it. Resolves when `signal` aborts.
 */
export async function runEmbeddedSource(options: EmbeddedSourceOptions): Promise<void> {
  const { log, engine, signal } = options;
  const batchSize = options.batchSize ?? 500;
  const partitions: TopicPartition[] = options.topics.flatMap((topic) =>
    Array.from({ length: log.partitions }, (_, partition) => ({ topic, partition })),
  );
  const positions = new Map<string, number>();
  const resume = async () => {
    const stored = await engine.resumePositions(partitions);
    for (const [key, offset] of stored) positions.set(key, offset === null ? 0 : Number(offset));
  };
  await retryTransient(resume, {
    isRetryable,
    signal,
    ...(options.onError ? { onRetry: options.onError } : {}),
  });

  while (!signal.aborted) {
    let processed = 0;
    for (const tp of partitions) {
      if (signal.aborted) break;
      const key = topicPartitionKey(tp.topic, tp.partition);
      const records = log.read(tp.topic, tp.partition, positions.get(key) ?? 0, batchSize);
      if (records.length === 0) continue;
      const outcome = await retryTransient(() => engine.processBatch(records), {
        isRetryable,
        signal,
        ...(options.onError ? { onRetry: options.onError } : {}),
      });
      if (outcome.kind === 'conflict') {
        for (const [conflictKey, offset] of outcome.resume)
          positions.set(conflictKey, offset === null ? 0 : Number(offset));
        continue;
      }
      for (const next of outcome.next)
        positions.set(topicPartitionKey(next.topic, next.partition), Number(next.offset));
      processed += records.length;
    }
    if (processed === 0)
      await sleep(options.idleMs ?? 50, undefined, { signal }).catch(() => undefined);
  }
}
