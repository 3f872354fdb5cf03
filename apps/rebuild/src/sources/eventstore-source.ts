import {
  DEFAULT_BACKOFF,
  isRetryable as engineRetryable,
  retryTransient,
  topicPartitionKey,
  type BackoffOptions,
  type BatchOutcome,
  type ProjectionEngine,
  type SourceRecord,
  type WriteConflict,
} from '@checkout/engine';
// Types only: the package (and the EventStoreDB client under it, ~0.3 s to load) is imported
// when an archive is replayed, not by every checkout-rebuild run (archive-prefill.ts).
import type { ArchiveReadReport, EventStoreBatch } from '@checkout/eventstore';

export interface EventStoreReplayOptions {
  /** The engine writing the target generation. */
  engine: ProjectionEngine;
  /** Pages of the archive, e.g. `readEventStore(client, …)` from @checkout/eventstore. */
  batches: AsyncIterable<EventStoreBatch>;
  /**
   * Which failures of a batch to retry. Pass @checkout/kafka's `isTransientError` when the
   * dead-letter sink is Kafka. @default the engine's `isRetryable` (a retryable EngineError)
   */
  isRetryable?: (error: unknown) => boolean;
  /** @default DEFAULT_BACKOFF */
  backoff?: BackoffOptions;
  /** Abort to stop between batches (the batch in flight is stored first). */
  signal?: AbortSignal;
  /** Before each retry of a batch: report not-ready, log. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** After each stored batch: progress display. */
  onProgress?: (progress: EventStoreReplayProgress) => void;
  /**
   * Write conflicts in a row on one batch before giving up: another writer is changing the
   * target generation. @default 3
   */
  maxConflicts?: number;
  /** Examples of unmappable events kept for the report. @default 5 */
  maxExamples?: number;
}

export interface EventStoreReplayProgress {
  batches: number;
  /** Records handed to the engine. */
  records: number;
  /** `$all` position reached (`C:<commit>/P:<prepare>`). */
  position: string | null;
}

export interface EventStoreReplayResult {
  /** True when the archive was read to its end; false when `signal` stopped the replay. */
  complete: boolean;
  /** Batches stored (pages with at least one record). */
  batches: number;
  /** Write conflicts met and resolved by processing the batch again. */
  conflicts: number;
  /** What the archive held: records, unmappable (count, by reason, first examples), skipped. */
  archive: ArchiveReadReport;
  /**
   * Next offset to read per `"<topic>:<partition>"` (physical names), as stored in the target's
   * checkpoints: where the Kafka source continues.
   */
  next: Record<string, string>;
}

/**
 * Feeds the engine from the EventStoreDB archive until it is exhausted: the rebuild's second
 * source, next to Kafka (`checkout-rebuild --source eventstore`). Same engine, same store
 * writes, same checkpoints (the archive carries the original Kafka offsets), so a generation
 * rebuilt here continues from Kafka where retention starts.
 *
 * Per batch: `engine.processBatch`, retried with the engine's capped jittered backoff while
 * the store or the dead-letter sink is unavailable. A write conflict (someone else wrote a
 * session or checkpoint of the target) makes the engine reload its positions; the same
 * batch is then processed again, and the offset guard skips what is already stored. After
 * `maxConflicts` conflicts in a row the replay stops with a {@link ReplayConflictError}.
 */
export async function replayFromEventStore(
  options: EventStoreReplayOptions,
): Promise<EventStoreReplayResult> {
  const { engine, signal } = options;
  const maxConflicts = options.maxConflicts ?? 3;
  const { createArchiveReport } = await import('@checkout/eventstore');
  const report = createArchiveReport(options.maxExamples ?? 5);
  const next = new Map<string, string>();
  let batches = 0;
  let conflicts = 0;

  const iterator = options.batches[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (signal?.aborted) return result(false);
      const step = await iterator.next();
      if (step.done) return result(true);
      const batch = step.value;
      report.add(batch);
      if (batch.records.length === 0) continue;
      conflicts += await storeBatch(batch.records);
      batches += 1;
      if (options.onProgress !== undefined) {
        const { records, position } = report.current();
        options.onProgress({ batches, records, position });
      }
    }
  } finally {
    await iterator.return?.();
  }

  /** Processes one batch until it is stored; returns the conflicts met on the way. */
  async function storeBatch(records: readonly SourceRecord[]): Promise<number> {
    for (let attempt = 0; ; attempt += 1) {
      const outcome: BatchOutcome = await retryTransient(() => engine.processBatch(records), {
        isRetryable: options.isRetryable ?? engineRetryable,
        backoff: options.backoff ?? DEFAULT_BACKOFF,
        ...(signal === undefined ? {} : { signal }),
        ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
      });
      if (outcome.kind === 'committed') {
        for (const { topic, partition, offset } of outcome.next)
          next.set(topicPartitionKey(topic, partition), offset);
        return attempt;
      }
      if (attempt + 1 >= maxConflicts) throw new ReplayConflictError(outcome.conflict, attempt + 1);
    }
  }

  function result(complete: boolean): EventStoreReplayResult {
    return {
      complete,
      batches,
      conflicts,
      archive: report.current(),
      next: Object.fromEntries(next),
    };
  }
}

/** Another writer keeps changing the target generation while the archive is replayed into it. */
export class ReplayConflictError extends Error {
  readonly code = 'WRITE_CONFLICT';
  readonly conflict: WriteConflict;

  constructor(conflict: WriteConflict, attempts: number) {
    super(
      `Replaying from EventStoreDB: ${attempts} write conflicts in a row on ${conflict.kind} ${conflict.subject} ` +
        `(expected ${conflict.expected}, found ${conflict.actual}). Another writer is changing the target generation: ` +
        'make sure no projector or other rebuild writes to it, then run the rebuild again.',
    );
    this.name = 'ReplayConflictError';
    this.conflict = conflict;
  }
}
