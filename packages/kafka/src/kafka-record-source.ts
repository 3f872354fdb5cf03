import {
  DEFAULT_BACKOFF,
  EngineError,
  isRetryable,
  retryTransient,
  topicPartitionKey,
  type BackoffOptions,
  type ProjectionEngine,
  type TopicNames,
  type TopicPartition,
} from '@checkout/engine';
import type { Kafka } from 'kafkajs';
import { createAssignmentPositions } from './assignment-positions.ts';
import { createBatchHandler, type CommittedPosition } from './batch-handler.ts';
import { coPartitionedAssigner } from './co-partitioned-assigner.ts';
import { createConsumerLag, type ConsumerLag } from './consumer-lag.ts';
import { watchBrokerLiveness } from './broker-liveness.ts';
import { seekToStoredCheckpoints, watchGroup } from './group-events.ts';
import { KAFKA_CLIENT_RETRY } from './kafka-config.ts';
import { sourceUnavailable } from './kafka-errors.ts';
import { silentKafkaLog, type KafkaLog } from './kafka-log.ts';
import { createPartitionHalts, type HaltedPartition } from './partition-halts.ts';
import { createReplayState } from './replay-state.ts';
import { loadStarts } from './partition-starts.ts';
import { aborted, connect, leave } from './source-lifecycle.ts';
import { createSourceReadiness, type ReadinessListener } from './source-readiness.ts';
import { watchStoreCheckpoints } from './store-watchdog.ts';
import { fetchWatermarks, type PartitionWatermarks } from './topic-layout.ts';

/**
 * How long a fetch waits at the broker for records (`maxWaitTimeInMs`; `minBytes` is kafkajs'
 * 1, so a fetch returns as soon as one record is there: this bounds idle fetches, not latency).
 */
export const DEFAULT_FETCH_MAX_WAIT_MS = 1000;

/**
 * Least time between two Kafka offset commits (`KAFKA_COMMIT_INTERVAL_MS`): Kafka's offsets
 * only say where kafkajs starts fetching after a restart (the source then seeks to the Redis
 * checkpoint), so once a second is enough, and each commit is an append to
 * `__consumer_offsets` the broker writes and replicates.
 */
export const DEFAULT_COMMIT_INTERVAL_MS = 1000;

/**
 * Most compressed bytes one fetch brings, over all partitions (`KAFKA_FETCH_MAX_BYTES`). They
 * are compressed bytes: gzip'd JSON grows about 7× when kafkajs decodes it, and a whole fetch
 * stays in memory until its last partition is processed, so this bounds the consumer's memory.
 * 1 MiB against the 2 MiB before: at 1M records the projector's peak RSS fell from 294–299 to
 * 235–242 MB in three pairs side by side, at the same events/s and CPU per event
 * (BENCHMARKS.md, change 13). kafkajs' own default (10 MiB) holds about 300 000 decoded records.
 */
export const DEFAULT_FETCH_MAX_BYTES = 1_048_576;

/**
 * Compressed bytes one fetch brings of one partition (`KAFKA_FETCH_PARTITION_MAX_BYTES`): an
 * eighth of {@link DEFAULT_FETCH_MAX_BYTES}, so that a fetch of a backlog spans several
 * partitions and the lanes (`concurrentBatches`) have batches of different partition numbers
 * to overlap. A record larger than this still comes (Kafka returns at least one batch).
 */
export const DEFAULT_FETCH_PARTITION_MAX_BYTES = 131_072;

export interface KafkaSourceOptions {
  /** A client from `createKafka` (compression codecs registered). */
  kafka: Kafka;
  /** Consumer group id; also the Redis checkpoint namespace (SPEC §5). */
  groupId: string;
  topics: TopicNames;
  engine: ProjectionEngine;
  /** Abort to stop gracefully: the batch in flight is stored and committed, then the group is left. */
  signal: AbortSignal;
  /** @default a logger that drops everything */
  log?: KafkaLog;
  /** Readiness changes, for `/readyz`. */
  onReadiness?: ReadinessListener;
  /** Lag per owned partition, for metrics; pass one in to read it. @default a private one */
  lag?: ConsumerLag;
  /** After each batch is stored and its positions committed to Kafka, best effort (tests, fault injection). */
  afterCommit?: (positions: readonly CommittedPosition[]) => void;
  /** After each group join, with this member's partitions. */
  onAssignment?: (partitions: readonly TopicPartition[]) => void;
  /** @default 30000 */
  sessionTimeoutMs?: number;
  /** @default 60000 */
  rebalanceTimeoutMs?: number;
  /** @default 3000 */
  heartbeatIntervalMs?: number;
  /**
   * Least time between two Kafka offset commits (batch-handler.ts).
   * @default DEFAULT_COMMIT_INTERVAL_MS
   */
  commitIntervalMs?: number;
  /** Fetch long-poll time; also bounds how long a graceful stop waits for an idle fetch. @default DEFAULT_FETCH_MAX_WAIT_MS */
  maxWaitTimeMs?: number;
  /** Compressed bytes one fetch brings of one partition. @default DEFAULT_FETCH_PARTITION_MAX_BYTES */
  maxBytesPerPartition?: number;
  /** Most bytes one fetch brings, over all partitions. @default DEFAULT_FETCH_MAX_BYTES */
  maxBytes?: number;
  /**
   * Most groups of batches in flight at once, each of a different partition number (partition
   * N of every topic holds the same sessions, so its batches are folded together, one group
   * after another: partition-lanes.ts). While one group waits for Redis, another parses and
   * folds. Each holds up to 2 000 records' worth of engine work at a time. @default 3
   */
  concurrentBatches?: number;
  /** Backoff between retries of a failed store or broker operation. @default DEFAULT_BACKOFF */
  backoff?: BackoffOptions;
  /** Longest wait for the consumer to leave the group on stop. @default 20000 */
  shutdownTimeoutMs?: number;
  /**
   * How often the store watchdog compares the stored checkpoints with what the engine
   * believes, to replay partitions whose checkpoint a flushed or restored store lost even
   * when they receive nothing (store-watchdog.ts). 0 turns it off.
   * @default 5000
   */
  checkpointWatchIntervalMs?: number;
  /**
   * Report not-ready once the broker has answered no fetch or heartbeat for this long while
   * the consumer is a member (broker-liveness.ts). @default sessionTimeoutMs
   */
  brokerStallMs?: number;
  /**
   * What a `HISTORY_TRUNCATED` alarm (records never applied are gone from the log) does:
   * `halt-partition` pauses that partition and reports it (not ready, `onPartitionHalted`,
   * one error line) while the others keep going, as the live projector wants; `stop` stops
   * the source with the error, as `checkout-rebuild` wants (exit code 5).
   * @default 'stop'
   */
  onHistoryTruncated?: 'halt-partition' | 'stop';
  /**
   * Consume topics with `cleanup.policy=compact` (refused otherwise: topic-layout.ts).
   * @default false
   */
  allowCompactedTopics?: boolean;
  /** The halted partitions, after every change (metrics). */
  onPartitionHalted?: (halted: readonly HaltedPartition[]) => void;
  /**
   * Called once with the topics' common partition count, after the layout check and before
   * the group is joined: a store whose keys depend on it (Redis Cluster: one hash tag per
   * partition number) checks or records it here. A retryable rejection is retried with
   * backoff (not ready meanwhile); any other stops the source.
   * @default none
   */
  onPartitionCount?: (partitions: number) => Promise<void>;
  /**
   * The partitions replaying because the store went back (replay-state.ts), after every
   * change: answers built on them may be stale meanwhile.
   */
  onReplaying?: (replaying: readonly TopicPartition[]) => void;
}

/**
 * Runs the projection from Kafka until `signal` aborts (resolves) or a non-retryable failure
 * (rejects: truncated history, bad layout or credentials, a bug). Transient failures, a
 * broker down for minutes included, are retried and reported through `onReadiness`.
 *
 * One consumer group over the five topics, co-partitioned assignment (partition N of every
 * topic on one member), `eachBatch` handed every partition of a fetch at once: the batches of
 * one partition number are folded together, as one group, after the previous group of that
 * partition number (partition N of every topic holds the same sessions); groups of different
 * partition numbers run side by side (partition-lanes.ts). Resume positions come from the
 * store, not from Kafka (assignment-positions.ts).
 */
export async function runKafkaSource(options: KafkaSourceOptions): Promise<void> {
  const { kafka, engine, groupId } = options;
  const log = options.log ?? silentKafkaLog;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const readiness = createSourceReadiness(options.onReadiness);
  const lag = options.lag ?? createConsumerLag();
  const topics = [...options.topics.physical];
  const stopping = new AbortController();
  let fatal: Error | undefined;

  function fail(error: Error): void {
    if (fatal === undefined) {
      fatal = error;
      // The error is rethrown to the caller, which reports it: one line, not two.
      log.info(
        { code: error instanceof EngineError ? error.code : undefined },
        'Kafka source stopping',
      );
    }
    stopping.abort();
  }
  const stop = () => stopping.abort();
  options.signal.addEventListener('abort', stop, { once: true });
  if (options.signal.aborted) stop();

  const admin = kafka.admin({ retry: { ...KAFKA_CLIENT_RETRY } });
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [coPartitionedAssigner],
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
    heartbeatInterval: options.heartbeatIntervalMs ?? 3000,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? DEFAULT_FETCH_MAX_WAIT_MS,
    maxBytesPerPartition: options.maxBytesPerPartition ?? DEFAULT_FETCH_PARTITION_MAX_BYTES,
    maxBytes: options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES,
    allowAutoTopicCreation: false,
    readUncommitted: false,
    retry: {
      ...KAFKA_CLIENT_RETRY,
      // kafkajs asks only for errors it deems retriable; restart unless we are stopping.
      restartOnFailure: async (error) => {
        log.warn({ err: error }, 'Kafka consumer crashed; restarting it');
        return !stopping.signal.aborted;
      },
    },
  });
  const watermarks = async (topic: string, partition: number): Promise<PartitionWatermarks> => {
    const marks = (await fetchWatermarks(admin, [topic])).get(topicPartitionKey(topic, partition));
    if (marks === undefined)
      throw sourceUnavailable(`reading the watermarks of ${topic}:${partition}`, null, {
        canRetry: true,
      });
    return marks;
  };
  const positions = createAssignmentPositions(
    loadStarts(engine, admin, lag),
    (tp) => engine.nextOffset(tp),
    ({ topic, partition }) => watermarks(topic, partition),
  );
  const halts =
    (options.onHistoryTruncated ?? 'stop') === 'halt-partition'
      ? createPartitionHalts({
          pause: ({ topic, partition }) => consumer.pause([{ topic, partitions: [partition] }]),
          resume: (partitions) =>
            consumer.resume(
              partitions.map(({ topic, partition }) => ({ topic, partitions: [partition] })),
            ),
          readiness,
          log,
          onChange: options.onPartitionHalted,
        })
      : undefined;
  const replay = createReplayState({ lag, readiness, log, onChange: options.onReplaying });
  let stopWatchdog = () => {};
  let stopLiveness = () => {};
  const handler = createBatchHandler({
    engine,
    concurrentBatches: options.concurrentBatches ?? 3,
    positions,
    lag,
    readiness,
    log,
    fail,
    backoff,
    stopping: stopping.signal,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
    commitIntervalMs: options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
    seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
    repositionUnverified: () =>
      void seekToStoredCheckpoints({
        positions,
        seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
        log,
        fail,
        halts,
        stopping: stopping.signal,
      }),
    pause: (partitions) => consumer.pause(byTopic(partitions)),
    resume: (partitions) => consumer.resume(byTopic(partitions)),
    watermarks,
    replay,
    ...(halts === undefined ? {} : { halts }),
    ...(options.afterCommit === undefined ? {} : { afterCommit: options.afterCommit }),
  });
  // Waves are stored before the group moves partitions, so the next owner starts where the
  // work stopped (were one lost, the guard would refuse it and the records come again).
  consumer.on(consumer.events.REBALANCING, () => void handler.storePendingWaves());
  consumer.on(consumer.events.GROUP_JOIN, () => handler.assignmentChanged());

  try {
    const partitionCount = await connect({
      admin,
      consumer,
      topics,
      allowCompactedTopics: options.allowCompactedTopics ?? false,
      readiness,
      log,
      backoff,
      signal: stopping.signal,
    });
    if (partitionCount !== undefined && options.onPartitionCount !== undefined) {
      const prepare = options.onPartitionCount;
      try {
        await retryTransient(() => prepare(partitionCount), {
          isRetryable,
          signal: stopping.signal,
          backoff,
          onRetry(error, retry, delayMs) {
            const reason = `preparing the store: ${error instanceof Error ? error.message : String(error)}`;
            readiness.unhealthy(reason);
            log.warn({ err: error, attempt: retry, delayMs }, `Retrying: ${reason}`);
          },
        });
      } catch (error) {
        if (!stopping.signal.aborted) throw error;
      }
      readiness.healthy();
    }
    if (partitionCount !== undefined && !stopping.signal.aborted) {
      watchGroup({
        consumer,
        engine,
        positions,
        halts,
        replay,
        lag,
        readiness,
        log,
        fail,
        stopping: stopping.signal,
        onAssignment: options.onAssignment,
      });
      stopLiveness = watchBrokerLiveness({
        consumer,
        readiness,
        log,
        stallAfterMs: options.brokerStallMs ?? options.sessionTimeoutMs ?? 30_000,
      });
      stopWatchdog = watchStoreCheckpoints({
        engine,
        positions,
        seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
        inLane: (partitionNumber, task) => handler.inLane(partitionNumber, task),
        log,
        fail,
        halts,
        replay,
        stopping: stopping.signal,
        intervalMs: options.checkpointWatchIntervalMs ?? 5000,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Every batch of a fetch gets a worker at once; the lanes say which may proceed.
        partitionsConsumedConcurrently: Math.max(1, topics.length * partitionCount),
        eachBatch: (payload) => handler.eachBatch(payload),
      });
      await aborted(stopping.signal);
    }
  } catch (error) {
    fail(
      error instanceof Error
        ? error
        : sourceUnavailable('starting the consumer', error, { canRetry: false }),
    );
  } finally {
    stopWatchdog();
    stopLiveness();
    options.signal.removeEventListener('abort', stop);
    readiness.notJoined('stopping');
    await handler.storePendingWaves();
    await leave({
      consumer,
      admin,
      engine,
      positions,
      lag,
      log,
      timeoutMs: options.shutdownTimeoutMs ?? 20_000,
    });
    readiness.notJoined('stopped');
  }
  if (fatal !== undefined) throw fatal;
}

/** Partitions as kafkajs' pause and resume take them. */
function byTopic(
  partitions: readonly TopicPartition[],
): Array<{ topic: string; partitions: number[] }> {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = topics.get(topic) ?? [];
    list.push(partition);
    topics.set(topic, list);
  }
  return [...topics].map(([topic, list]) => ({ topic, partitions: list }));
}
