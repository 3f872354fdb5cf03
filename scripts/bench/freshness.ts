import { join } from 'node:path';
import {
  DEFAULT_WAVE_LIMITS,
  topicNames,
  topicPartitionKey,
  type TopicNames,
} from '@checkout/engine';
import { generateStream } from '@checkout/generator';
import { DEFAULT_FETCH_MAX_WAIT_MS, ensureTopics } from '@checkout/kafka';
import { partitionForKey } from '@checkout/redis';
import { deleteNamespace, storedCheckpoints } from './bench-store.ts';
import { waitForCheckpoints } from './checkpoint-watch.ts';
import { envListOf } from './env-list.ts';
import { runChild } from './child-process.ts';
import { highWatermarks, waitForStableGroup } from './consumer-group.ts';
import { dueAtMs, recordsDue, summarizeLatencies, type LatencySummary } from './latency-stats.ts';
import {
  imageLibcEnv,
  imageNodeOptions,
  logicalTargets,
  projectorEnv,
  projectorMain,
  projectorMetrics,
  type PhaseContext,
} from './phases.ts';
import { COMPRESSION, connectOrderedProducer, produceRecords } from './produce-records.ts';
import { startProgressConsumer } from './freshness-limit.ts';

/**
 * (f) freshness: a caught-up checkout-projector (run as (c) runs it, with the image's heap
 * settings) under a steady offered load; per event, the time from the producer's
 * acknowledgement to the moment its partition's checkpoint stored in Redis passed the
 * record's offset (the checkpoint is written in the same script as the snapshots, so that is
 * when the event's effect is readable).
 *
 * Own topics (`<tag>-f.*`), so the other phases still read exactly the size's records. First a
 * backlog (BENCH_FRESHNESS_BACKLOG records of the bench's stream) that the projector catches
 * up on, then per rate a fresh stream of the generator (its own session prefix) paced by the
 * clock: the producer sends every record that is due, awaits the ack (one request in flight:
 * `acks -1`, idempotent, as produce-records.ts), then sends what fell due meanwhile.
 *
 * The checkpoints are polled every BENCH_FRESHNESS_POLL_MS (one HGETALL); a record stored
 * before its ack reached the bench counts at the first poll after the ack. Latencies are
 * therefore upper bounds within one poll interval (the measured mean interval is printed).
 *
 * Environment: BENCH_FRESHNESS_RATES (events/s, @default 500,2000,10000),
 * BENCH_FRESHNESS_SECONDS (per rate, @default 10), BENCH_FRESHNESS_BACKLOG (@default 20000),
 * BENCH_FRESHNESS_POLL_MS (@default 2), BENCH_FRESHNESS_ENV (`NAME=value,…` for the
 * projector, e.g. `WAVE_MAX_MS=100`, to try settings).
 */
export interface FreshnessResult {
  /** What the projector ran with, and how the bench measured. */
  settings: Record<string, string | number>;
  backlog: { records: number; catchUpSeconds: number };
  rates: FreshnessRate[];
  peakRssBytes: number;
  /** CPU seconds of the projector over the paced streams only (backlog excluded). */
  pacedCpuSeconds: number;
}

export interface FreshnessRate {
  /** Offered events/s. */
  offered: number;
  /** Records over the time from the first send to the last ack. */
  achieved: number;
  records: number;
  /** Ack → checkpoint past the record, ms. */
  latency: LatencySummary;
  /** Send → ack of the producer's requests, ms (what the latency does not include). */
  ack: LatencySummary;
  /** Mean time between two checkpoint polls, ms: the latencies' resolution. */
  pollIntervalMs: number;
  /** Records whose effect was not seen within the drain timeout (NaN latencies left out). */
  unseen: number;
  /** Projector CPU seconds over this rate's stream, per record (µs). */
  cpuMicrosPerEvent: number;
  /**
   * The projector's own account over this rate (its /metrics): waves stored, and per wave its
   * records, engine time (fold and store) and the part of it in Redis (load and commit), ms.
   */
  waves?: {
    stored: number;
    recordsPerWave: number;
    engineMs: number;
    storeMs: number;
    /** Share of the sessions the waves folded onto that were kept, not read from Redis. */
    keptShare: number;
  };
}

interface PendingRecord {
  offset: bigint;
  ackedAt: number;
}

const DRAIN_TIMEOUT_MS = 30_000;

/**
 * (f) freshness; (g) the same with the snapshot changelog published (SNAPSHOT_CHANGELOG_TOPIC):
 * what publishing costs the live path's latency, beside (f) in the same run; (h) the same load
 * read by a raw kafkajs consumer instead of the projector (freshness-limit.ts): the floor.
 */
export async function measureFreshness(
  context: PhaseContext,
  id: 'f' | 'g' | 'h' = 'f',
): Promise<FreshnessResult> {
  const env = process.env;
  const rates = listOf(env['BENCH_FRESHNESS_RATES'] ?? '500,2000,10000');
  const seconds = Number(env['BENCH_FRESHNESS_SECONDS'] ?? 10);
  const backlog = Number(env['BENCH_FRESHNESS_BACKLOG'] ?? 20_000);
  const pollMs = Number(env['BENCH_FRESHNESS_POLL_MS'] ?? 2);
  const prefix = `${context.tag}-${id}.`;
  const changelog = id === 'g' ? `${prefix}snapshot-changelog` : undefined;
  const topics = topicNames(prefix);
  const dlq = `${prefix}checkout-events-dlq`;
  await ensureTopics(context.admin, [...topics.physical, dlq], context.partitions);
  const store = context.stores.standalone;
  const namespace = `${context.tag}-${id}`;
  const group = `${context.tag}.projector-${id}`;
  try {
    const produced = await produceRecords({
      kafka: context.kafka,
      topics,
      stream: { seed: context.seed, records: backlog },
      compression: context.compression,
    });
    const subject =
      id === 'h'
        ? await consumerSubject(context, topics, group)
        : projectorSubject(context, { id, topics, namespace, group, dlq, changelog });
    try {
      const started = performance.now();
      const highs = await highWatermarks(context.admin, topics.physical);
      await subject.ready();
      await waitForCheckpoints({
        read: subject.read,
        targets: logicalTargets(topics, highs),
        signal: AbortSignal.timeout(context.timeoutMs),
        failed: subject.failed,
      });
      const catchUpSeconds = (performance.now() - started) / 1000;
      const cpuAfterBacklog = subject.cpuSeconds();
      const measured: FreshnessRate[] = [];
      for (const rate of rates) {
        const cpuBefore = subject.cpuSeconds();
        const metricsBefore = await subject.metrics();
        const result = await pacedStream(context, {
          topics,
          rate,
          records: Math.max(1, Math.round(rate * seconds)),
          pollMs,
          read: subject.read,
          failed: subject.failed,
        });
        const cpu = subject.cpuSeconds() - cpuBefore;
        const waves = wavesBetween(metricsBefore, await subject.metrics());
        measured.push({
          ...result,
          cpuMicrosPerEvent: (cpu * 1e6) / result.records,
          ...(waves === undefined ? {} : { waves }),
        });
      }
      return {
        settings: {
          ...subject.settings,
          'poll ms': pollMs,
          'seconds per rate': seconds,
          partitions: context.partitions,
          compression: context.compression,
        },
        backlog: { records: produced.records, catchUpSeconds },
        rates: measured,
        peakRssBytes: subject.peakRss(),
        pacedCpuSeconds: subject.cpuSeconds() - cpuAfterBacklog,
      };
    } finally {
      await subject.stop();
    }
  } finally {
    await deleteNamespace(store, namespace);
    if (env['BENCH_KEEP_TOPICS'] !== '1') {
      await context.admin
        .deleteTopics({ topics: [...topics.physical, dlq, ...(changelog ? [changelog] : [])] })
        .catch(() => undefined);
    }
  }
}

/** What reads the paced load: the projector (f, g) or the raw consumer (h). */
interface FreshnessSubject {
  /** What it ran with, for the report. */
  settings: Record<string, string | number>;
  /** Resolves once it consumes (its group is stable). */
  ready(): Promise<void>;
  /** Logical `"<topic>:<partition>"` → the next offset whose effect is not seen yet. */
  read(): Promise<ReadonlyMap<string, string>>;
  failed(): Error | undefined;
  /** CPU seconds of the projector child so far; NaN for (h). */
  cpuSeconds(): number;
  /** The projector's own account (its /metrics); undefined for (h). */
  metrics(): Promise<MetricSums>;
  peakRss(): number;
  stop(): Promise<void>;
}

/** (f) and (g): a checkout-projector child run as (c) runs it; its checkpoints in Redis. */
function projectorSubject(
  context: PhaseContext,
  options: {
    id: 'f' | 'g';
    topics: TopicNames;
    namespace: string;
    group: string;
    dlq: string;
    changelog: string | undefined;
  },
): FreshnessSubject {
  const env = process.env;
  const { id, namespace, group, dlq, changelog } = options;
  const extraEnv: Record<string, string> = {
    ...(changelog === undefined ? {} : { SNAPSHOT_CHANGELOG_TOPIC: changelog }),
    ...envListOf('BENCH_FRESHNESS_ENV'),
  };
  const store = context.stores.standalone;
  const heapOptions = env['BENCH_NODE_OPTIONS'] === undefined ? imageNodeOptions() : '';
  const child = runChild(projectorMain, [], {
    env: {
      ...projectorEnv(context, {
        prefix: `${context.tag}-${id}.`,
        namespace,
        group,
        dlq,
        env: store.env,
      }),
      ...(heapOptions === '' ? {} : { NODE_OPTIONS: heapOptions }),
      ...imageLibcEnv(),
      ...extraEnv,
    },
    logFile: join(context.resultsDir, `${context.tag}-projector-${id}.log`),
    resultsDir: context.resultsDir,
    label: `${context.tag}-projector-${id}`,
  });
  const stop = new AbortController();
  return {
    settings: {
      WAVE_MAX_MS: extraEnv['WAVE_MAX_MS'] ?? DEFAULT_WAVE_LIMITS.maxMs,
      WAVE_MAX_BYTES: extraEnv['WAVE_MAX_BYTES'] ?? DEFAULT_WAVE_LIMITS.maxBytes,
      'fetch max wait ms': DEFAULT_FETCH_MAX_WAIT_MS,
      'fetch min bytes': 1,
      CONCURRENT_BATCHES: extraEnv['CONCURRENT_BATCHES'] ?? 3,
      NODE_OPTIONS: heapOptions === '' ? (env['BENCH_NODE_OPTIONS'] ?? '') : heapOptions,
      ...imageLibcEnv(),
      ...Object.fromEntries(
        Object.entries(extraEnv).filter(
          ([name]) => !['WAVE_MAX_MS', 'WAVE_MAX_BYTES', 'CONCURRENT_BATCHES'].includes(name),
        ),
      ),
    },
    ready: async () => {
      await waitForStableGroup(context.admin, group, {
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(context.timeoutMs)]),
      });
    },
    read: () => storedCheckpoints(store, namespace, null, group),
    failed: () =>
      child.exit === undefined
        ? undefined
        : new Error(`(${id}): the projector exited with ${child.exit.code ?? child.exit.signal}`),
    cpuSeconds: () => child.cpuSeconds(),
    metrics: () => projectorMetrics(child.stdout()),
    peakRss: () => child.peakRss(),
    stop: async () => {
      stop.abort();
      await child.terminate();
    },
  };
}

/** (h): the raw consumer, in the bench process (no CPU figure; its RSS is the bench's). */
async function consumerSubject(
  context: PhaseContext,
  topics: TopicNames,
  group: string,
): Promise<FreshnessSubject> {
  const consumer = await startProgressConsumer(context.kafka, { topics, groupId: group });
  return {
    settings: {
      consumer: 'kafkajs in the bench process, records dropped',
      'fetch max wait ms': DEFAULT_FETCH_MAX_WAIT_MS,
      'fetch min bytes': 1,
    },
    ready: async () => {
      await waitForStableGroup(context.admin, group, {
        signal: AbortSignal.timeout(context.timeoutMs),
      });
    },
    read: consumer.read,
    failed: consumer.failed,
    // The bench process also produces the load: its CPU says nothing about the consumer's.
    cpuSeconds: () => Number.NaN,
    metrics: async () => undefined,
    peakRss: () => process.memoryUsage().rss,
    stop: consumer.stop,
  };
}

/**
 * One rate: produce `records` paced by the clock while a poller watches the checkpoints; ends
 * when every record's effect was seen (or the drain timeout passed).
 */
async function pacedStream(
  context: PhaseContext,
  options: {
    topics: TopicNames;
    rate: number;
    records: number;
    pollMs: number;
    read: () => Promise<ReadonlyMap<string, string>>;
    failed: () => Error | undefined;
  },
): Promise<Omit<FreshnessRate, 'cpuMicrosPerEvent'>> {
  const { topics, rate } = options;
  const stream = [
    ...generateStream({
      seed: context.seed,
      records: options.records,
      sessionPrefix: `f${rate}`,
    }),
  ].map((record) => ({
    topic: topics.toPhysical(record.topic),
    // Explicit partitions (the default partitioner's murmur2), so that each record's offset is
    // known from the ack: baseOffset + its place among the request's records of its partition.
    partition: partitionForKey(record.key, context.partitions),
    logical: record.topic,
    key: record.key,
    value: record.value,
  }));
  /** Per logical "topic:partition": acked records not seen stored yet, in offset order. */
  const pending = new Map<string, PendingRecord[]>();
  const latencies: number[] = [];
  const acks: number[] = [];
  let unseen = 0;
  let producing = true;
  let polls = 0;
  let lastAck = performance.now();
  const pollStarted = performance.now();
  const poller = (async () => {
    const drainDeadline = () => performance.now() > lastAck + DRAIN_TIMEOUT_MS;
    while (producing || [...pending.values()].some((queue) => queue.length > 0)) {
      const failure = options.failed();
      if (failure !== undefined) throw failure;
      if (!producing && drainDeadline()) break;
      const stored = await options.read();
      const seenAt = performance.now();
      polls += 1;
      for (const [field, queue] of pending) {
        const next = BigInt(stored.get(field) ?? '0');
        let seen = 0;
        while (seen < queue.length && (queue[seen] as PendingRecord).offset < next) {
          latencies.push(seenAt - (queue[seen] as PendingRecord).ackedAt);
          seen += 1;
        }
        if (seen > 0) queue.splice(0, seen);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
    for (const queue of pending.values()) unseen += queue.length;
  })();
  const producer = await connectOrderedProducer(context.kafka);
  const started = performance.now();
  try {
    let sent = 0;
    while (sent < stream.length) {
      const now = performance.now();
      const due = recordsDue(rate, now - started, stream.length);
      if (due <= sent) {
        const wait = started + dueAtMs(rate, sent) - now;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
        continue;
      }
      const request = stream.slice(sent, due);
      const byTopic = new Map<string, typeof request>();
      for (const record of request) {
        let messages = byTopic.get(record.topic);
        if (messages === undefined) byTopic.set(record.topic, (messages = []));
        messages.push(record);
      }
      const sentAt = performance.now();
      const metadata = await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic,
          messages: messages.map(({ key, value, partition }) => ({
            key,
            value,
            partition,
            timestamp: String(Date.now()),
          })),
        })),
        compression: COMPRESSION[context.compression],
        acks: -1,
      });
      const ackedAt = performance.now();
      lastAck = ackedAt;
      acks.push(ackedAt - sentAt);
      const base = new Map(
        metadata.map((entry) => [`${entry.topicName}:${entry.partition}`, entry.baseOffset]),
      );
      const nth = new Map<string, bigint>();
      for (const record of request) {
        const physical = `${record.topic}:${record.partition}`;
        const baseOffset = base.get(physical);
        if (baseOffset === undefined) throw new Error(`(f): no ack for ${physical}`);
        const index = nth.get(physical) ?? 0n;
        nth.set(physical, index + 1n);
        const field = topicPartitionKey(record.logical, record.partition);
        let queue = pending.get(field);
        if (queue === undefined) pending.set(field, (queue = []));
        queue.push({ offset: BigInt(baseOffset) + index, ackedAt });
      }
      sent = due;
    }
  } finally {
    producing = false;
    await producer.disconnect().catch(() => undefined);
  }
  const producedSeconds = (lastAck - started) / 1000;
  await poller;
  return {
    offered: rate,
    achieved: stream.length / producedSeconds,
    records: stream.length,
    latency: summarizeLatencies(latencies),
    ack: summarizeLatencies(acks),
    pollIntervalMs: (performance.now() - pollStarted) / Math.max(1, polls),
    unseen,
  };
}

type MetricSums = Awaited<ReturnType<typeof projectorMetrics>>;

function wavesBetween(before: MetricSums, after: MetricSums): FreshnessRate['waves'] {
  if (before === undefined || after === undefined) return undefined;
  const delta = (metric: string) => after(metric) - before(metric);
  const stored = delta('checkout_batch_records_count');
  if (stored <= 0) return undefined;
  return {
    stored,
    recordsPerWave: delta('checkout_batch_records_sum') / stored,
    engineMs: (1000 * delta('checkout_batch_duration_seconds_sum')) / stored,
    storeMs: (1000 * delta('checkout_store_duration_seconds_sum')) / stored,
    keptShare: keptShareOf(delta),
  };
}

/** `checkout_wave_sessions_total` by source: kept / (kept + read from the store). */
function keptShareOf(delta: (metric: string) => number): number {
  const all = delta('checkout_wave_sessions_total');
  const kept = delta('checkout_wave_sessions_total{source="kept"}');
  return all > 0 ? kept / all : 0;
}

function listOf(text: string): number[] {
  return text.split(',').map((part) => {
    const value = Number(part.trim().replace(/_/g, ''));
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`BENCH_FRESHNESS_RATES: ${part} is not a positive whole number`);
    return value;
  });
}
