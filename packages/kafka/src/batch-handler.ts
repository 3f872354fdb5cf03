import { compareOffsets, offsetAfter, offsetBefore } from '@checkout/domain';
import {
  EngineError,
  parseTopicPartitionKey,
  retryTransient,
  topicPartitionKey,
  type BackoffOptions,
  type BatchOutcome,
  type ProjectionEngine,
  type SourceRecord,
} from '@checkout/engine';
import type { Batch, EachBatchPayload } from 'kafkajs';
import type { AssignmentPositions } from './assignment-positions.ts';
import type { ConsumerLag } from './consumer-lag.ts';
import { batchHeartbeats, type BatchHeartbeats } from './heartbeats.ts';
import { isTransientError } from './kafka-errors.ts';
import type { KafkaLog } from './kafka-log.ts';
import { batchContinuity, judgeGap } from './log-continuity.ts';
import { mergedSlices } from './merged-slices.ts';
import { haltReasonOf, type PartitionHalts } from './partition-halts.ts';
import type { ReplayState } from './replay-state.ts';
import { createPartitionLanes } from './partition-lanes.ts';
import type { SourceReadiness } from './source-readiness.ts';

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
  /**
   * The partition's log start offset, asked when a batch starts above its checkpoint
   * (log-continuity.ts).
   */
  logStart(topic: string, partition: number): Promise<string>;
  /**
   * Where a `HISTORY_TRUNCATED` alarm goes: `halts` stops that partition only; without it the
   * alarm stops the source (`fail`), as `checkout-rebuild` wants (exit code 5).
   */
  halts?: PartitionHalts;
  /** Told when a conflict shows a stored checkpoint went back, and of every stored position. */
  replay?: ReplayState;
  /** Aborted when the source is stopping: retries end, the batch in hand is left unresolved. */
  stopping: AbortSignal;
  heartbeatIntervalMs: number;
  /**
   * Most groups in flight at once, each of a different partition number (partition-lanes.ts).
   * @default 1
   */
  concurrentBatches?: number;
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
 * kafkajs `eachBatch` (one topic-partition per call, `eachBatchAutoResolve: false`). Every
 * batch joins its partition number's lane; a lane runs the batches it received together as
 * one group (partition-lanes.ts):
 *   1. check each batch starts where the store says its partition resumes, else seek there
 *      and drop that batch (assignment-positions.ts);
 *   2. hand the rest to the engine in slices of at most `maxRecordsPerBatch` records, merged
 *      in timestamp order across the group's partitions (merged-slices.ts), retrying
 *      transient failures with backoff and heartbeats, never resolving an offset whose effect
 *      is not stored;
 *   3. on `committed`, resolve the stored positions and go on with the next slice, then commit
 *      the last ones to Kafka (a hint only: a failed commit costs a few redelivered, skipped
 *      records); on `conflict`, re-verify the partitions against the store's checkpoints, which
 *      seeks if needed, and drop the rest of the group.
 */
export function createBatchHandler(
  options: BatchHandlerOptions,
): (payload: EachBatchPayload) => Promise<void> {
  const { engine, positions, lag, log } = options;
  const sliceSize = options.maxRecordsPerBatch ?? DEFAULT_MAX_RECORDS_PER_BATCH;
  const lanes = createPartitionLanes(options.concurrentBatches ?? 1, handleGroup);

  return (payload) => lanes.submit(payload.batch.partition, payload);

  async function handleGroup(_partitionNumber: number, payloads: EachBatchPayload[]) {
    const obsoleteBatch = (payload: EachBatchPayload) =>
      options.stopping.aborted || !payload.isRunning() || payload.isStale();
    let group = payloads.filter((payload) => !obsoleteBatch(payload));
    const [first] = group;
    if (first === undefined) return;
    for (const { batch } of group) observeFetched(lag, batch);
    const label = group.map(({ batch }) => topicPartitionKey(batch.topic, batch.partition));
    // Any batch's heartbeat will do: it is the consumer's.
    const heartbeats = batchHeartbeats(first.heartbeat, options.heartbeatIntervalMs, (error) =>
      log.debug({ err: error, partitions: label }, 'Kafka heartbeat failed during a batch'),
    );
    const obsolete = () => heartbeats.membershipChanged || group.some(obsoleteBatch);
    const retry = retrying(options, heartbeats, obsolete, label.join(','), (error) =>
      group.forEach(({ batch }) => alarm(batch.topic, batch.partition, error)),
    );

    const verified = await verifiedBatches(group, retry);
    if (verified === undefined) return;
    // A join seeks every partition not verified yet, and may have done so while this group
    // awaited its positions: such a batch is stale, and its records come again from the seek.
    group = verified.filter((payload) => !obsoleteBatch(payload));
    if (group.length === 0) return;

    // Slices, each stored before the next: memory stays bounded by the slice, not by the
    // fetch (which a compressed topic can make very large). Kafka's offsets are only a hint,
    // so they are committed once, after the last slice stored, also when the group stops
    // early (stopping, revoked, a conflict): a graceful stop leaves them equal to the store's.
    const byPartition = new Map(
      group.map((payload) => [
        topicPartitionKey(payload.batch.topic, payload.batch.partition),
        payload,
      ]),
    );
    const committed = new Map<string, CommittedPosition>();
    const batches = group.map(({ batch }) => batch);
    for (const records of mergedSlices(batches, sliceSize)) {
      if (committed.size > 0 && obsolete()) break;
      const outcome = await heartbeats.during(() =>
        retry('store the batch', () => engine.processBatch(records)),
      );
      if (outcome === undefined) break;
      if (outcome.kind === 'conflict') {
        onConflict(outcome, records);
        break;
      }
      const lastStored = lastRecordPerPartition(records);
      for (const next of outcome.next) {
        const key = topicPartitionKey(next.topic, next.partition);
        const payload = byPartition.get(key);
        if (payload === undefined) continue;
        payload.resolveOffset(offsetBefore(next.offset));
        const stored = lastStored.get(key);
        lag.observe(next.topic, next.partition, {
          nextOffset: next.offset,
          ...(stored !== undefined && offsetAfter(stored.offset) === next.offset ? { stored } : {}),
        });
        options.replay?.stored(next.topic, next.partition, next.offset);
        committed.set(key, next);
      }
    }
    const stored = [...committed.values()];
    if (stored.length === 0) return;
    await commitToKafka(first, stored);
    options.afterCommit?.(stored);
  }

  /**
   * The batches fetched where their partition resumes. The others are answered with a seek
   * (or stop the source) and left out. Undefined: give up the whole group (stopping, revoked,
   * or the store kept failing).
   */
  async function verifiedBatches(
    group: readonly EachBatchPayload[],
    retry: ReturnType<typeof retrying>,
  ): Promise<EachBatchPayload[] | undefined> {
    const verified: EachBatchPayload[] = [];
    for (const payload of group) {
      const { topic, partition, highWatermark } = payload.batch;
      if (options.halts?.isHalted(topic, partition) === true) continue;
      const fetchedOffset = fetchedOffsetOf(payload.batch);
      const decision = await retry('load the resume position', () =>
        positions.decide({ topic, partition, fetchedOffset, highWatermark }),
      );
      if (decision === undefined) return undefined;
      if (decision.kind === 'stale') continue;
      if (decision.kind === 'fatal') {
        if (alarm(topic, partition, decision.error)) continue;
        return undefined;
      }
      if (decision.kind === 'seek') {
        log.info(
          {
            partition: topicPartitionKey(topic, partition),
            fetchedOffset,
            resumeOffset: decision.offset,
          },
          'Kafka position differs from the stored checkpoint; seeking to the checkpoint',
        );
        options.seek(topic, partition, decision.offset);
        positions.seekIssued(topic, partition, decision.offset);
        lag.observe(topic, partition, { nextOffset: decision.offset });
        continue;
      }
      const continues = await continuesStoredState(payload.batch, retry);
      if (continues === undefined) return undefined;
      if (continues) verified.push(payload);
    }
    return verified;
  }

  /**
   * Whether the batch starts at or below the engine's stored checkpoint, or above it only
   * over offsets the log still holds (log-continuity.ts). Raises the alarm and answers false
   * when it does not; undefined: give up the group (as in verifiedBatches).
   */
  async function continuesStoredState(
    batch: Batch,
    retry: ReturnType<typeof retrying>,
  ): Promise<boolean | undefined> {
    const { topic, partition, highWatermark } = batch;
    const key = topicPartitionKey(topic, partition);
    const continuity = batchContinuity(key, engine.storedCheckpoint({ topic, partition }), {
      firstOffset: batch.messages[0]?.offset ?? null,
      highWatermark,
    });
    if (continuity.kind === 'continuous') return true;
    if (continuity.kind === 'log-went-back') return refused(topic, partition, continuity.error);
    const logStart = await retry('read the log start', () => options.logStart(topic, partition));
    if (logStart === undefined) return undefined;
    const truncated = judgeGap(key, continuity.checkpoint, logStart);
    return truncated === null ? true : refused(topic, partition, truncated);
  }

  /** The batch is refused: false when only its partition halts, undefined when the source stops. */
  function refused(topic: string, partition: number, error: EngineError): false | undefined {
    return alarm(topic, partition, error) ? false : undefined;
  }

  /**
   * A non-retryable error about one partition: halts it when it is a history alarm and halts
   * are enabled (true: the other partitions go on), else stops the source (false).
   */
  function alarm(topic: string, partition: number, error: EngineError): boolean {
    if (haltReasonOf(error) !== null && options.halts !== undefined) {
      options.halts.halt(topic, partition, error);
      return true;
    }
    options.fail(error);
    return false;
  }

  function onConflict(
    outcome: Extract<BatchOutcome, { kind: 'conflict' }>,
    records: readonly SourceRecord[],
  ): void {
    log.warn(
      { conflict: outcome.conflict, resume: Object.fromEntries(outcome.resume) },
      'The store changed under this consumer (another writer, a flush or a restore); resuming from its checkpoints',
    );
    for (const [key, checkpoint] of outcome.resume) {
      const tp = parseTopicPartitionKey(key);
      if (tp === undefined)
        throw new Error(`bug: the engine resumed ${key}, not a topic-partition`);
      positions.retarget(tp.topic, tp.partition);
      // Resuming below the records this batch started from: the store went back.
      const first = records.find((r) => r.topic === tp.topic && r.partition === tp.partition);
      if (first !== undefined && compareOffsets(checkpoint ?? '0', first.offset) < 0)
        options.replay?.wentBack(tp, checkpoint);
    }
  }

  async function commitToKafka(
    payload: EachBatchPayload,
    committed: readonly CommittedPosition[],
  ): Promise<void> {
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

/** The batch's high watermark and the times of its first and last records. */
function observeFetched(lag: ConsumerLag, batch: Batch): void {
  const first = batch.messages[0];
  const last = batch.messages.at(-1);
  lag.observe(batch.topic, batch.partition, {
    highWatermark: batch.highWatermark,
    ...(first === undefined || last === undefined ? {} : { fetched: { first, last } }),
  });
}

/** Per `"topic:partition"`, the last record of a slice: the newest one a commit stored. */
function lastRecordPerPartition(records: readonly SourceRecord[]): Map<string, SourceRecord> {
  const last = new Map<string, SourceRecord>();
  for (const record of records) last.set(topicPartitionKey(record.topic, record.partition), record);
  return last;
}

/**
 * Retries `operation` while its failure is transient, reporting not-ready, heartbeating and
 * giving up (undefined) once the batch is obsolete: stopping, revoked or re-sought. A
 * non-transient failure stops the source, except a partition alarm (a dead-letter topic that
 * refuses the batch's entries for good), which goes to `onAlarm`.
 */
function retrying(
  options: BatchHandlerOptions,
  heartbeats: BatchHeartbeats,
  obsolete: () => boolean,
  partitionKey: string,
  onAlarm: (error: EngineError) => void,
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
      if (
        error instanceof EngineError &&
        error.code !== 'HISTORY_TRUNCATED' &&
        haltReasonOf(error) !== null
      ) {
        onAlarm(error);
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
