import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTopicPartitionKey, topicPartitionKey, type TopicNames } from '@checkout/engine';
import {
  deleteNamespace,
  storeCommandStats,
  storeCpuSeconds,
  storedCheckpoints,
  type BenchStore,
} from './bench-store.ts';
import { waitForCheckpoints } from './checkpoint-watch.ts';
import { envListOf } from './env-list.ts';
import { runChild, type ChildRun } from './child-process.ts';
import { waitForStableGroup, type Admin } from './consumer-group.ts';
import type { ConsumerConfig, ConsumerReport } from './consumer-main.ts';
import type { CompressionName, KafkaClient } from './produce-records.ts';
import {
  busySeconds,
  calls,
  commandDelta,
  commandStats,
  deleteKeys,
  total,
  type RedisClient,
} from './redis-stats.ts';
import { measureSpread, type KeySpread } from './key-spread.ts';

/** What the commit script runs (and INFO commandstats counts once more, inside EVALSHA). */
const SCRIPT_COMMANDS = ['get', 'set', 'hget', 'hset'];

/** C and D: the projector (c) and the rebuild (d) on the Redis Cluster; p and r: the changelog. */
export type PhaseId = 'a' | 'k' | 'b' | 'c' | 'u' | 'd' | 'C' | 'D' | 'p' | 'r';

/** One design measured on one size. */
export interface PhaseResult {
  id: PhaseId;
  name: string;
  records: number;
  /** Consumer group joined → every record's effect stored: the throughput's denominator. */
  seconds: number;
  /** Process (or consumer) start → done, start-up and group join included. */
  wallSeconds: number;
  eventsPerSecond: number;
  peakRssBytes: number | null;
  /** Commands the design's clients sent to Redis (requests). */
  redisRequests: number | null;
  /** Commands Redis executed, those run inside Lua scripts included (INFO commandstats). */
  redisExecuted: number | null;
  redisByCommand: Record<string, number> | null;
  /** Seconds Redis spent executing them (INFO commandstats usec). */
  redisBusySeconds?: number;
  /** What the design reported about itself (the projector's metrics, the rebuild's JSON). */
  selfReported?: Record<string, unknown>;
  /** Peak of each `process.memoryUsage()` field of a child (bytes). */
  memory?: Record<string, number>;
  /** Where (c), (u), (d), (C), (D) stored. */
  store?: BenchStore['mode'];
  /**
   * CPU seconds (user + system) of the child from its start until every record was stored
   * (/proc/<pid>/stat for (c), (d) and their kin; the child's own process.cpuUsage() at its
   * last record for (a), (b), (k), which exit by themselves).
   */
  childCpuSeconds?: number;
  /** CPU seconds the Redis servers (every master of a cluster) used meanwhile. */
  redisCpuSeconds?: number;
  /** (C): the keys and memory its run left on each master, for the topics' partition count. */
  spread?: KeySpread;
  /** (C): the same sessions laid out for other partition counts (BENCH_SPREAD_PARTITIONS). */
  spreadByPartitions?: KeySpread[];
}

export interface PhaseContext {
  kafka: KafkaClient;
  admin: Admin;
  /** The standalone Redis: (b) and the bench's own bookkeeping. */
  redis: RedisClient;
  /** The standalone Redis as a store, and the cluster when a cluster phase runs. */
  stores: { standalone: BenchStore; cluster?: BenchStore | undefined };
  /** Partition counts of the (C) spread table. */
  spreadPartitions: readonly number[];
  brokers: string[];
  redisUrl: string;
  topics: TopicNames;
  /** Kafka topic prefix of this size, e.g. `bench-100000-lx3k.`. */
  prefix: string;
  /** Physical `"<topic>:<partition>"` → high watermark. */
  highs: ReadonlyMap<string, bigint>;
  records: number;
  /** Partitions of each topic, the generator's seed, how records are produced: for (f). */
  partitions: number;
  seed: number;
  compression: CompressionName;
  resultsDir: string;
  /** Unique per run and size: namespaces and group ids are derived from it. */
  tag: string;
  timeoutMs: number;
  ttlSeconds: number;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const projectorMain = join(repoRoot, 'apps/projector/src/main.ts');
const rebuildMain = join(repoRoot, 'apps/rebuild/src/main.ts');
const consumerMain = fileURLToPath(new URL('./consumer-main.ts', import.meta.url));
const platformaticMain = fileURLToPath(new URL('./platformatic-main.ts', import.meta.url));

const dockerfile = join(repoRoot, 'docker/projector.Dockerfile');

/** NODE_OPTIONS of the projector's image: (c) runs as the image does. */
export function imageNodeOptions(): string {
  return imageEnvValue('NODE_OPTIONS');
}

/**
 * The image's settings of the C library that are not the heap's: every projector and rebuild
 * child runs with them, whatever BENCH_NODE_OPTIONS says.
 */
export function imageLibcEnv(): Record<string, string> {
  return { MALLOC_ARENA_MAX: imageEnvValue('MALLOC_ARENA_MAX') };
}

/** The value of an `ENV NAME=value` (or `ENV NAME="value"`) line of the projector's image. */
function imageEnvValue(name: string): string {
  const line = new RegExp(`^ENV ${name}=(?:"([^"]*)"|(\\S+))$`, 'm').exec(
    readFileSync(dockerfile, 'utf8'),
  );
  const value = line?.[1] ?? line?.[2];
  if (value === undefined) throw new Error(`${dockerfile} sets no ${name} line`);
  return value;
}

/** The limits: raw consumption of the five topics by one client, nothing done with the records. */
const LIMITS = {
  /** (a) kafkajs, the projector's client. */
  a: { mode: 'raw', label: 'limit', name: 'limit: raw kafkajs consumption' },
  /** (k) a maintained alternative client; its ratio is still to the kafkajs limit. */
  k: {
    mode: 'platformatic',
    label: 'platformatic',
    name: 'limit, @platformatic/kafka: raw consumption',
  },
} as const satisfies Record<string, { mode: ConsumerConfig['mode']; label: string; name: string }>;

/** (a) or (k): the same records under a fresh consumer group. */
export async function measureLimit(
  context: PhaseContext,
  id: keyof typeof LIMITS,
  attempt: number,
): Promise<PhaseResult> {
  const { mode, label, name } = LIMITS[id];
  const measured = await runConsumer(
    context,
    mode,
    `${context.tag}.${label}-${attempt}`,
    `${label}-${attempt}`,
  );
  return {
    id,
    name,
    ...measured.result,
    peakRssBytes: measured.child.peakRss(),
    redisRequests: null,
    redisExecuted: null,
    redisByCommand: null,
    memory: measured.child.memory(),
    ...(measured.cpuSeconds === undefined ? {} : { childCpuSeconds: measured.cpuSeconds }),
  };
}

/** (b) The original design: per event GET → apply → SET, through the same consumer. */
export async function measureOriginalDesign(context: PhaseContext): Promise<PhaseResult> {
  const namespace = `${context.tag}-b`;
  const before = await commandStats(context.redis);
  const measured = await runConsumer(
    context,
    'original',
    `${context.tag}.original`,
    'original',
    namespace,
  );
  const executed = commandDelta(before, await commandStats(context.redis), new Map([['info', 1]]));
  await deleteKeys(context.redis, `${namespace}:*`);
  const requests = measured.child.redisCommands();
  return {
    id: 'b',
    name: 'original design: GET → apply → SET per event',
    ...measured.result,
    peakRssBytes: measured.child.peakRss(),
    redisRequests: requests.size === 0 ? null : total(requests),
    redisExecuted: total(executed),
    redisByCommand: Object.fromEntries(calls(executed)),
    redisBusySeconds: busySeconds(executed),
    memory: measured.child.memory(),
    ...(measured.cpuSeconds === undefined ? {} : { childCpuSeconds: measured.cpuSeconds }),
  };
}

/**
 * (a), (b) and (k) run in a fresh child each (consumer-main.ts, platformatic-main.ts for (k)),
 * cold like (c) and (d).
 */
async function runConsumer(
  context: PhaseContext,
  mode: ConsumerConfig['mode'],
  groupId: string,
  label: string,
  namespace = `${context.tag}-unused`,
): Promise<{ child: ChildRun; result: ReturnType<typeof throughput>; cpuSeconds?: number }> {
  const config: ConsumerConfig = {
    mode,
    brokers: context.brokers,
    groupId,
    prefix: context.prefix,
    highs: [...context.highs].map(([field, high]) => [field, String(high)]),
    redisUrl: context.redisUrl,
    namespace,
    ttlSeconds: context.ttlSeconds,
  };
  const child = runChild(mode === 'platformatic' ? platformaticMain : consumerMain, [], {
    env: { BENCH_CONSUMER: JSON.stringify(config) },
    logFile: join(context.resultsDir, `${context.tag}-${label}.log`),
    resultsDir: context.resultsDir,
    label: `${context.tag}-${label}`,
  });
  const exit = await withTimeout(child.exited, context.timeoutMs, `the ${mode} consumer`).catch(
    async (error: unknown) => {
      await child.terminate();
      throw error;
    },
  );
  const report = parseJson(
    child.stdout().trim().split('\n').at(-1) ?? '',
  ) as Partial<ConsumerReport>;
  if (exit.code !== 0 || report.joinedMs === undefined || report.doneMs === undefined) {
    throw new Error(
      `the ${mode} consumer exited with ${exit.code ?? exit.signal}; see ${label}.log`,
    );
  }
  // A client that skipped records would look faster than it is.
  if (report.records !== context.records) {
    throw new Error(`the ${mode} consumer saw ${report.records} records of ${context.records}`);
  }
  // The child's clock starts with the process: its done time is the wall time since start.
  return {
    child,
    result: throughput(context.records, report.joinedMs, report.doneMs, 0),
    ...(report.cpuSeconds === undefined ? {} : { cpuSeconds: report.cpuSeconds }),
  };
}

/**
 * (c) checkout-projector itself (apps/projector/src/main.ts, Kafka + Redis mode) in a child
 * process, from a fresh namespace and group until its checkpoints reach the high watermarks,
 * with the heap settings of its Docker image; (u) the same with V8's default heap settings;
 * (C) (c) on the Redis Cluster. BENCH_NODE_OPTIONS, when set, replaces the heap settings.
 */
/** The snapshot changelog (p) publishes to and (r) restores from: one per size. */
export function changelogTopic(context: PhaseContext): string {
  return `${context.prefix}snapshot-changelog`;
}

/**
 * (c) the projector as the image runs it; (u) with V8's default heap; (C) on the Redis Cluster;
 * (p) as (c), publishing every snapshot to the changelog (SNAPSHOT_CHANGELOG_TOPIC).
 */
export async function measureProjector(
  context: PhaseContext,
  id: 'c' | 'u' | 'C' | 'p',
): Promise<PhaseResult> {
  const store = storeOf(context, id);
  const namespace = `${context.tag}-${id.toLowerCase() === id ? id : `cluster-${id}`}`;
  const group = `${context.tag}.projector-${id}`;
  const heap = {
    ...imageLibcEnv(),
    ...(id !== 'u' && process.env['BENCH_NODE_OPTIONS'] === undefined
      ? { NODE_OPTIONS: imageNodeOptions() }
      : {}),
  };
  const started = performance.now();
  const spread = id === 'C' ? await measureSpread(store, context.spreadPartitions) : undefined;
  const before = await serverFigures(store);
  const child = runChild(projectorMain, [], {
    env: {
      ...projectorEnv(context, {
        prefix: context.prefix,
        namespace,
        group,
        dlq: `${context.prefix}checkout-events-dlq`,
        env: store.env,
      }),
      ...(id === 'p' ? { SNAPSHOT_CHANGELOG_TOPIC: changelogTopic(context) } : {}),
      ...heap,
    },
    logFile: join(context.resultsDir, `${context.tag}-projector-${id}.log`),
    resultsDir: context.resultsDir,
    label: `${context.tag}-projector-${id}`,
  });
  const measured = await watchChild(context, child, group, async () =>
    storedCheckpoints(store, namespace, null, group),
  );
  const childCpuSeconds = child.cpuSeconds();
  const after = await serverFigures(store);
  const breakdown = await engineBreakdown(child.stdout());
  await child.terminate(); // before the spread deletes its keys, which it would replay
  const spreads = await spread?.measure(namespace);
  const executed = commandDelta(
    before.commands,
    after.commands,
    new Map([
      ['hgetall', measured.polls * store.layout(namespace).shards.length],
      ['info', 2 * store.servers.length],
    ]),
  );
  const requests = child.redisCommands();
  await deleteNamespace(store, namespace);
  return {
    id,
    name: {
      c: 'projector: checkout-projector end to end',
      u: 'projector with V8 default heap settings',
      C: 'projector on the Redis Cluster (3 masters)',
      p: 'projector publishing the snapshot changelog',
    }[id],
    ...throughput(context.records, measured.joinedAt, measured.doneAt, started),
    peakRssBytes: child.peakRss(),
    redisRequests: requests.size === 0 ? null : total(requests),
    redisExecuted: total(executed),
    redisByCommand: Object.fromEntries(calls(executed)),
    redisBusySeconds: busySeconds(executed, SCRIPT_COMMANDS),
    selfReported: breakdown,
    memory: child.memory(),
    store: store.mode,
    childCpuSeconds,
    redisCpuSeconds: after.cpuSeconds - before.cpuSeconds,
    ...(spreads === undefined ? {} : spreads),
  };
}

/** The environment (c) runs the projector with, heap settings apart. */
export function projectorEnv(
  context: PhaseContext,
  options: {
    prefix: string;
    namespace: string;
    group: string;
    dlq: string;
    /** The store's REDIS_URL (and cluster settings). */
    env: Record<string, string>;
  },
): Record<string, string> {
  return {
    KAFKA_BROKERS: context.brokers.join(','),
    KAFKA_GROUP_ID: options.group,
    KAFKA_TOPIC_PREFIX: options.prefix,
    ...options.env,
    REDIS_NAMESPACE: options.namespace,
    DLQ_TOPIC: options.dlq,
    SNAPSHOT_TTL_SECONDS: String(context.ttlSeconds),
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...envListOf('BENCH_ENV'),
  };
}

/**
 * (d) `checkout-rebuild --from-offset earliest --yes --json` in a child process, into a fresh
 * namespace (so it builds generation 1 and switches readers to it); (D) the same on the cluster;
 * (r) `--from-changelog` instead, from the changelog (p) filled: compare their wall times (the
 * restore's replay starts only after the changelog is read, so its active seconds are not
 * comparable).
 */
export async function measureRebuild(
  context: PhaseContext,
  id: 'd' | 'D' | 'r' = 'd',
): Promise<PhaseResult> {
  const store = storeOf(context, id);
  const namespace = `${context.tag}-${id === 'D' ? 'cluster-D' : id}`;
  const group = `${context.tag}.live-${id}`;
  const started = performance.now();
  const before = await serverFigures(store);
  const fetchBytes = process.env['BENCH_REBUILD_FETCH_BYTES'];
  const args =
    id === 'r'
      ? ['--from-changelog', '--yes', '--json']
      : ['--from-offset', 'earliest', '--yes', '--json'];
  if (fetchBytes !== undefined) args.push('--fetch-bytes', fetchBytes);
  const child = runChild(rebuildMain, args, {
    env: {
      KAFKA_BROKERS: context.brokers.join(','),
      KAFKA_GROUP_ID: group,
      KAFKA_TOPIC_PREFIX: context.prefix,
      ...store.env,
      REDIS_NAMESPACE: namespace,
      DLQ_TOPIC: `${context.prefix}checkout-events-dlq`,
      SNAPSHOT_TTL_SECONDS: String(context.ttlSeconds),
      SNAPSHOT_CHANGELOG_TOPIC: changelogTopic(context),
      // As operators run it: in the projector's image, with its heap and malloc settings.
      ...imageLibcEnv(),
      ...(process.env['BENCH_NODE_OPTIONS'] === undefined
        ? { NODE_OPTIONS: imageNodeOptions() }
        : {}),
      ...envListOf('BENCH_ENV'),
    },
    logFile: join(context.resultsDir, `${context.tag}-rebuild-${id}.log`),
    resultsDir: context.resultsDir,
    label: `${context.tag}-rebuild-${id}`,
  });
  // A fresh namespace: the rebuild's INCR of the generation counter hands out id 1.
  let generation: string | null = null;
  let ownGets = 0;
  const checkpoints = async () => {
    if (generation === null) {
      ownGets += 1;
      generation = await store.client.get(`${namespace}:generation-seq`);
    }
    return generation === null ? undefined : storedCheckpoints(store, namespace, generation, group);
  };
  const replayGroup = `${group}.rebuild.1`;
  // A restore whose markers reach the log end switches without a replay: no group to wait for.
  const measured = await watchChild(context, child, id === 'r' ? null : replayGroup, checkpoints);
  const childCpuSeconds = child.cpuSeconds();
  const after = await serverFigures(store);
  const exit = await withTimeout(child.exited, context.timeoutMs, 'checkout-rebuild to exit');
  const exitedAt = performance.now();
  if (exit.code !== 0) {
    throw new Error(`checkout-rebuild exited with ${exit.code ?? exit.signal}: ${child.stdout()}`);
  }
  const executed = commandDelta(
    before.commands,
    after.commands,
    new Map([
      ['hgetall', measured.polls * store.layout(namespace).shards.length],
      ['get', ownGets],
      ['info', 2 * store.servers.length],
    ]),
  );
  const requests = child.redisCommands();
  await deleteNamespace(store, namespace);
  const wallSeconds = (exitedAt - started) / 1000;
  // The restore's replay group joins only after the changelog is read: its equivalent rate
  // is the records it stands for over the whole run.
  const result =
    id === 'r'
      ? {
          records: context.records,
          seconds: wallSeconds,
          wallSeconds,
          eventsPerSecond: context.records / wallSeconds,
        }
      : throughput(context.records, measured.joinedAt, measured.doneAt, started);
  return {
    id,
    name:
      id === 'r'
        ? 'restore: checkout-rebuild --from-changelog'
        : id === 'd'
          ? 'rebuild: checkout-rebuild --from-offset earliest'
          : 'rebuild on the Redis Cluster (3 masters)',
    ...result,
    wallSeconds,
    peakRssBytes: child.peakRss(),
    redisRequests: requests.size === 0 ? null : total(requests),
    redisExecuted: total(executed),
    redisByCommand: Object.fromEntries(calls(executed)),
    redisBusySeconds: busySeconds(executed, SCRIPT_COMMANDS),
    selfReported: pick(parseJson(child.stdout()), [
      'events',
      'events_per_second',
      'active_ms',
      'duration_ms',
      'dead_letters_published',
      'write_conflicts',
      'changelog',
    ]),
    memory: child.memory(),
    store: store.mode,
    childCpuSeconds,
    redisCpuSeconds: after.cpuSeconds - before.cpuSeconds,
  };
}

/** The cluster for (C) and (D), the standalone Redis for the rest. */
function storeOf(context: PhaseContext, id: PhaseId): BenchStore {
  if (id !== 'C' && id !== 'D') return context.stores.standalone;
  if (context.stores.cluster === undefined) throw new Error(`(${id}) needs the Redis Cluster`);
  return context.stores.cluster;
}

/** Server-side counters of the store (summed over masters): commands executed, CPU seconds. */
async function serverFigures(store: BenchStore) {
  return { commands: await storeCommandStats(store), cpuSeconds: await storeCpuSeconds(store) };
}

async function watchChild(
  context: PhaseContext,
  child: ChildRun,
  /** The group whose join starts the measured time; null: none to wait for (the restore). */
  groupId: string | null,
  checkpoints: () => Promise<ReadonlyMap<string, string> | undefined>,
): Promise<{ joinedAt: number; doneAt: number; polls: number }> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), context.timeoutMs);
  const failed = () =>
    child.exit !== undefined && child.exit.code !== 0
      ? new Error(
          `${groupId ?? 'the restore'}: the child exited with ${child.exit.code ?? child.exit.signal}`,
        )
      : undefined;
  try {
    const joined =
      groupId === null
        ? Promise.resolve(performance.now())
        : waitForStableGroup(context.admin, groupId, { signal: stop.signal });
    const progress = await waitForCheckpoints({
      read: checkpoints,
      targets: logicalTargets(context.topics, context.highs),
      signal: stop.signal,
      failed,
    });
    const joinedAt = await joined;
    return { joinedAt, doneAt: progress.doneAt, polls: progress.polls };
  } catch (error) {
    await child.terminate();
    throw error;
  } finally {
    stop.abort();
    clearTimeout(timer);
  }
}

/**
 * The projector's own account of its batches, from its Prometheus metrics (the HTTP port is
 * in its start-up log line): batches, records per batch, time in the engine and in Redis.
 */
async function engineBreakdown(log: string): Promise<Record<string, unknown>> {
  const sum = await projectorMetrics(log);
  if (sum === undefined) return {};
  const batches = sum('checkout_batch_records_count');
  return {
    batches,
    records_per_batch:
      batches === 0 ? null : Math.round(sum('checkout_batch_records_sum') / batches),
    engine_seconds: round(sum('checkout_batch_duration_seconds_sum')),
    store_seconds: round(sum('checkout_store_duration_seconds_sum')),
  };
}

/**
 * One scrape of the projector's `/metrics` (its port from the start-up log line): a metric's
 * value summed over its label sets, or one label set's. Undefined before the projector listens.
 */
export async function projectorMetrics(
  log: string,
): Promise<((metric: string) => number) | undefined> {
  const port = /listening on http:\/\/localhost:(\d+)/.exec(log)?.[1];
  if (port === undefined) return undefined;
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (response) => response.text(),
    () => '',
  );
  return (metric) => {
    let value = 0;
    // `name` sums every label set; `name{label="value"}` only that one.
    const name = metric.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
      value += Number(match[1]);
    }
    return value;
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Checkpoint fields use the logical topic names: the high watermarks under those. */
export function logicalTargets(
  topics: TopicNames,
  highs: ReadonlyMap<string, bigint>,
): Map<string, bigint> {
  const targets = new Map<string, bigint>();
  for (const [field, high] of highs) {
    const tp = parseTopicPartitionKey(field);
    const logical = tp === undefined ? undefined : topics.toLogical(tp.topic);
    if (tp !== undefined && logical !== undefined)
      targets.set(topicPartitionKey(logical, tp.partition), high);
  }
  return targets;
}

function throughput(records: number, joinedAt: number, doneAt: number, startedAt: number) {
  const seconds = (doneAt - joinedAt) / 1000;
  return {
    records,
    seconds,
    wallSeconds: (doneAt - startedAt) / 1000,
    eventsPerSecond: records / seconds,
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function pick(object: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => key in object).map((key) => [key, object[key]]));
}
