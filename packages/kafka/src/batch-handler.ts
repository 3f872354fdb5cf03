import {
  EngineError,
  retryTransient,
  topicPartitionKey,
  type BackoffOptions,
  type BatchOutcome,
  type ProjectionEngine,
} from '@checkout/engine';
import type { Batch, EachBatchPayload } from 'kafkajs';
import type { AssignmentPositions } from './assignment-positions.ts';
import type { ConsumerLag } from './consumer-lag.ts';
import { batchHeartbeats, type BatchHeartbeats } from './heartbeats.ts';
import { isTransientError } from './kafka-errors.ts';
import type { KafkaLog } from './kafka-log.ts';
import { createPartitionLanes, type PartitionLanes } from './partition-lanes.ts';
import type { SourceReadiness } from './source-readiness.ts';
import { toSourceRecord } from './source-record.ts';

const DEFAULT_MAX_RECORDS_PER_BATCH = 2000;

/** A position the source committed to Kafka after the engine stored it. */
export interface CommittedPosition {
  topic: string;
  partition: number;
  /** Next offset to read. */
  offset: string;
}

export interface BatchHandlerOptions {
  engine: ProjectionEngine;
  positions: AssignmentPositions;
  lag: ConsumerLag;
  readiness: SourceReadiness;
  log: KafkaLog;
  seek(topic: string, partition: number, offset: string): void;
  /** Stops the source with a non-retryable error (the batch is left unresolved). */
  fail(error: Error): void;
  /** Aborted when the source is stopping: retries end, the batch in hand is left unresolved. */
  stopping: AbortSignal;
  heartbeatIntervalMs: number;
  /** Which batches may run side by side. @default one batch at a time */
  lanes?: PartitionLanes;
  /**
   * Most records handed to the engine at once: a fetch of compressed records can hold tens of
   * thousands per partition, and everything the engine builds for a batch (parsed events,
   * snapshots, the commit script's arguments) lives until it is stored. @default 2000
   */
  maxRecordsPerBatch?: number;
  backoff?: BackoffOptions;
  afterCommit?: (positions: readonly CommittedPosition[]) => void;
}

/**
 * kafkajs `eachBatch` (one topic-partition per call, `eachBatchAutoResolve: false`), inside its
 * partition number's lane (partition-lanes.ts):
 *   1. check the batch starts where the store says this partition resumes, else seek there
 *      and drop it (assignment-positions.ts);
 *   2. hand it to the engine in slices of at most `maxRecordsPerBatch` records, retrying
 *      transient failures with backoff and heartbeats, never resolving an offset whose effect
 *      is not stored;
 *   3. on `committed`, resolve the stored positions and go on with the next slice, then commit
 *      the last one to Kafka (a hint only: a failed commit costs a few redelivered, skipped
 *      records); on `conflict`, re-verify the partition against the store's checkpoint, which
 *      seeks if needed, and drop the rest of the batch.
 */
export function createBatchHandler(
  options: BatchHandlerOptions,
): (payload: EachBatchPayload) => Promise<void> {
  const { engine, positions, lag, log } = options;
  const lanes = options.lanes ?? createPartitionLanes(1);

  return (payload) => lanes.run(payload.batch.partition, () => eachBatch(payload));

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const partitionKey = topicPartitionKey(topic, partition);
    if (options.stopping.aborted || !payload.isRunning() || payload.isStale()) return;
    lag.observe(topic, partition, { highWatermark: batch.highWatermark });

    const heartbeats = batchHeartbeats(payload.heartbeat, options.heartbeatIntervalMs, (error) =>
      log.debug({ err: error, partition: partitionKey }, 'Kafka heartbeat failed during a batch'),
    );
    const obsolete = () =>
      options.stopping.aborted ||
      !payload.isRunning() ||
      payload.isStale() ||
      heartbeats.membershipChanged;
    const retry = retrying(options, heartbeats, obsolete, partitionKey);

    const fetchedOffset = fetchedOffsetOf(batch);
    const decision = await retry('load the resume position', () =>
      positions.decide({ topic, partition, fetchedOffset, highWatermark: batch.highWatermark }),
    );
    if (decision === undefined || decision.kind === 'stale') return;
    if (decision.kind === 'fatal') return options.fail(decision.error);
    if (decision.kind === 'seek') {
      log.info(
        { partition: partitionKey, fetchedOffset, resumeOffset: decision.offset },
        'Kafka position differs from the stored checkpoint; seeking to the checkpoint',
      );
      options.seek(topic, partition, decision.offset);
      positions.seekIssued(topic, partition, decision.offset);
      lag.observe(topic, partition, { nextOffset: decision.offset });
      return;
    }

    // Slices of the fetched batch, each stored before the next: memory stays bounded by the
    // slice, not by the fetch (which a compressed topic can make very large).
    // Kafka's offset is only a hint, so it is committed once, after the last slice.
    const sliceSize = options.maxRecordsPerBatch ?? DEFAULT_MAX_RECORDS_PER_BATCH;
    let committed: CommittedPosition[] = [];
    for (let start = 0; start < batch.messages.length; start += sliceSize) {
      if (start > 0 && obsolete()) return;
      const records = batch.messages
        .slice(start, start + sliceSize)
        .map((message) => toSourceRecord(topic, partition, message));
      const outcome = await heartbeats.during(() =>
        retry('store the batch', () => engine.processBatch(records)),
      );
      if (outcome === undefined) return;
      if (outcome.kind === 'conflict') return onConflict(outcome);

      committed = outcome.next.filter(
        (next) => next.topic === topic && next.partition === partition,
      );
      for (const next of committed) {
        payload.resolveOffset((BigInt(next.offset) - 1n).toString());
        lag.observe(topic, partition, { nextOffset: next.offset });
      }
    }
    await commitToKafka(payload, committed);
    options.afterCommit?.(committed);
  }

  function onConflict(outcome: Extract<BatchOutcome, { kind: 'conflict' }>): void {
    log.warn(
      { conflict: outcome.conflict, resume: Object.fromEntries(outcome.resume) },
      'The store changed under this consumer (another writer, a flush or a restore); resuming from its checkpoints',
    );
    for (const [key, checkpoint] of outcome.resume) {
      const separator = key.lastIndexOf(':');
      positions.retarget(key.slice(0, separator), Number(key.slice(separator + 1)), checkpoint);
    }
  }

  async function commitToKafka(
    payload: EachBatchPayload,
    committed: readonly CommittedPosition[],
  ): Promise<void> {
    if (committed.length === 0) return;
    try {
      await payload.commitOffsetsIfNecessary({
        topics: committed.map(({ topic, partition, offset }) => ({
          topic,
          partitions: [{ partition, offset }],
        })),
      });
    } catch (error) {
      // Harmless: the Redis checkpoint is authoritative, Kafka's offset only a hint.
      log.warn(
        { err: error, positions: committed },
        'Kafka offset commit failed; the stored checkpoint still holds',
      );
    }
  }
}

/**
 * Retries `operation` while its failure is transient, reporting not-ready, heartbeating and
 * giving up (undefined) once the batch is obsolete: stopping, revoked or re-sought. A
 * non-transient failure stops the source.
 */
function retrying(
  options: BatchHandlerOptions,
  heartbeats: BatchHeartbeats,
  obsolete: () => boolean,
  partitionKey: string,
) {
  return async <T>(what: string, operation: () => Promise<T>): Promise<T | undefined> => {
    const abandon = new AbortController();
    const onStop = () => abandon.abort();
    options.stopping.addEventListener('abort', onStop, { once: true });
    try {
      const result = await retryTransient(operation, {
        isRetryable: isTransientError,
        signal: abandon.signal,
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
        onRetry(error, attempt, delayMs) {
          const reason = `cannot ${what}: ${error instanceof Error ? error.message : String(error)}`;
          options.readiness.unhealthy(reason);
          options.log.warn(
            { err: error, partition: partitionKey, attempt, delayMs },
            `Retrying: ${reason}`,
          );
          heartbeats.beat();
          if (obsolete()) abandon.abort();
        },
      });
      options.readiness.healthy();
      return result;
    } catch (error) {
      if (abandon.signal.aborted || obsolete()) {
        options.log.info(
          { partition: partitionKey },
          'Batch abandoned (stopping or reassigned); it will be redelivered',
        );
        return undefined;
      }
      options.fail(
        error instanceof Error
          ? error
          : new EngineError('SOURCE_UNAVAILABLE', String(error), { canRetry: false }),
      );
      return undefined;
    } finally {
      options.stopping.removeEventListener('abort', onStop);
    }
  };
}

/**
 * The offset kafkajs fetched this batch from: not in kafkajs' typings, but set by its Batch
 * constructor (src/consumer/batch.js, `this.fetchedOffset`) since 1.x.
 */
export function fetchedOffsetOf(batch: Batch): string {
  const fetched: unknown = (batch as Batch & { fetchedOffset?: unknown }).fetchedOffset;
  if (typeof fetched !== 'string' && typeof fetched !== 'number') {
    throw new Error(
      'bug: kafkajs batch has no fetchedOffset; the kafkajs version changed its Batch',
    );
  }
  return String(fetched);
}
