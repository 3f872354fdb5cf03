import { setTimeout as sleep } from 'node:timers/promises';
import {
  createProjectionEngine,
  EngineError,
  topicPartitionKey,
  type DeadLetterSink,
  type TopicNames,
} from '@checkout/engine';
import { createConsumerLag, runKafkaSource, type KafkaLog } from '@checkout/kafka';
import { CliError } from '../cli-error.ts';
import { deleteConsumerGroup, type KafkaClient } from '../kafka-admin.ts';
import type { ProgressReporter } from '../output/progress.ts';
import { catchUpState, type PartitionPlan, type ReplayPositions } from './catch-up.ts';
import { createReplayStats, type ReplayStats, type ReplaySummary } from './replay-stats.ts';
import type { ReplayTarget } from './replay-target.ts';

export interface ReplayRunOptions {
  kafka: KafkaClient;
  /** A throwaway consumer group of this run (deleted at the end): never the live group. */
  groupId: string;
  /** What is consumed (all five topics, or a `--topics` subset). */
  topics: TopicNames;
  target: ReplayTarget;
  deadLetters: DeadLetterSink;
  currency: string;
  /** When the engine stores a wave, what it keeps across (WAVE_MAX_*, WORKING_SET_MAX_BYTES). @default its defaults */
  waves?: { maxBytes?: number; maxMs?: number; workingSetMaxBytes?: number };
  /** Start and high watermark of every partition replayed, for the stop condition and progress. */
  partitions: readonly PartitionPlan[];
  log: KafkaLog;
  /** Aborted by the operator (SIGINT/SIGTERM): stop cleanly and throw `interrupted`. */
  signal: AbortSignal;
  progress: ProgressReporter;
  /** Kafka fetch size per partition. @default DEFAULT_FETCH_PARTITION_MAX_BYTES */
  fetchBytes?: number | undefined;
  /** @default 200 */
  pollMs?: number;
  /**
   * The stop condition, asked after every poll: stop (the consumer is then stopped, its batch in
   * flight stored) or go on, with the phase to show.
   */
  decide(positions: ReplayPositions, stats: ReplayStats): Promise<{ stop: boolean; phase: string }>;
  /** A side duty every poll (a heartbeat); its failures are ignored. */
  onTick?: () => Promise<void>;
}

export interface ReplayResult {
  summary: ReplaySummary;
  positions: ReplayPositions;
  /** Wall time, consumer group join included. */
  durationMs: number;
}

/** Consecutive failed polls (Redis unreachable) before the replay gives up: about a minute. */
const MAX_FAILED_POLLS = 300;

/**
 * The projector with another start and another stop: the same engine and Kafka source as
 * `checkout-projector`, writing to `target`, resuming from `target`'s checkpoints (none = the
 * log start), under a throwaway consumer group, until `decide` says stop.
 */
export async function runReplay(options: ReplayRunOptions): Promise<ReplayResult> {
  const started = performance.now();
  const stats = createReplayStats();
  const engine = createProjectionEngine({
    store: options.target.store,
    deadLetters: options.deadLetters,
    topics: options.topics,
    domain: { currency: options.currency },
    ...(options.waves === undefined ? {} : { waves: options.waves }),
    observer: stats.observer,
  });
  const lag = createConsumerLag();
  const stop = new AbortController();
  const source: { ended: boolean; failure?: { error: unknown }; waiting: string | null } = {
    ended: false,
    waiting: 'connecting to Kafka',
  };
  const finished = runKafkaSource({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: options.topics,
    engine,
    signal: stop.signal,
    log: options.log,
    lag,
    // Why the consumer is not making progress (joining, retrying an unreachable broker or store).
    onReadiness: (ready, reason) => {
      source.waiting = ready ? null : (reason ?? 'not ready');
    },
    shutdownTimeoutMs: 10_000,
    ...(options.fetchBytes === undefined ? {} : { maxBytesPerPartition: options.fetchBytes }),
  }).then(
    () => {
      source.ended = true;
    },
    (error: unknown) => {
      source.ended = true;
      source.failure = { error };
    },
  );

  let positions: ReplayPositions = { stored: new Map(), consumed: new Map() };
  let failedPolls = 0;
  try {
    for (;;) {
      await Promise.race([sleep(options.pollMs ?? 200), finished]);
      if (source.failure !== undefined) throw source.failure.error;
      if (source.ended)
        throw new Error('bug: the Kafka source stopped before the replay asked it to');
      if (options.signal.aborted) {
        throw new CliError(
          'interrupted',
          'Interrupted; the replay stopped after storing its batch in flight.',
        );
      }
      await options.onTick?.().catch(() => undefined);
      let decision: { stop: boolean; phase: string };
      try {
        positions = {
          stored: await options.target.readCheckpoints(),
          consumed: consumedPositions(lag, options.topics),
        };
        decision = await options.decide(positions, stats);
        failedPolls = 0;
      } catch (error) {
        const fatal =
          error instanceof CliError || (error instanceof EngineError && !error.canRetry);
        if (fatal || (failedPolls += 1) > MAX_FAILED_POLLS) throw error;
        options.log.warn({ err: error }, 'Could not read the replay positions; retrying');
        continue;
      }
      options.progress.update(
        progressSnapshot(options.partitions, positions, stats, decision.phase),
      );
      if (decision.stop) break;
    }
  } finally {
    stop.abort();
    await finished;
    options.progress.stop();
    await deleteConsumerGroup(options.kafka, options.groupId);
  }
  const failure = source.failure as { error: unknown } | undefined;
  if (failure !== undefined) throw failure.error;
  return { summary: stats.summary(), positions, durationMs: performance.now() - started };
}

/** The consumer's position per logical partition (past transaction markers, too). */
function consumedPositions(
  lag: ReturnType<typeof createConsumerLag>,
  topics: TopicNames,
): Map<string, string> {
  const consumed = new Map<string, string>();
  for (const { topic, partition, nextOffset } of lag.snapshot()) {
    const logical = topics.toLogical(topic);
    if (logical !== undefined) consumed.set(topicPartitionKey(logical, partition), nextOffset);
  }
  return consumed;
}

function progressSnapshot(
  plans: readonly PartitionPlan[],
  positions: ReplayPositions,
  stats: ReplayStats,
  phase: string,
) {
  const overall = catchUpState(plans, positions);
  return {
    phase,
    done: Number(overall.done),
    total: Number(overall.total),
    eventsPerSecond: stats.eventsPerSecond(),
    partitions: plans.map((plan) => {
      const one = catchUpState([plan], positions);
      const position = plan.start + one.done;
      return {
        field: plan.field,
        done: Number(one.done),
        total: Number(one.total),
        position: String(position),
        high: String(plan.high),
      };
    }),
  };
}
