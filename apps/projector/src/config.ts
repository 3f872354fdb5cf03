import {
  booleanFlag,
  checkoutCurrency,
  dlqTopic,
  snapshotChangelogTopic,
  integer,
  kafkaBrokers,
  kafkaSecurity,
  allowCompactedTopics,
  kafkaTopicPrefix,
  loadEnv,
  redisClusterIncomplete,
  redisStoreMode,
  redisCaWithoutTls,
  redisTlsCaFile,
  redisUrl,
  saslIncomplete,
  snapshotTtlSeconds,
  redisMaxCommitBytes,
  waveMaxBytes,
  waveMaxMs,
  workingSetMaxBytes,
  type ConfigResult,
  type CrossCheck,
} from '@checkout/config';
import {
  DEFAULT_COMMIT_INTERVAL_MS,
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_FETCH_PARTITION_MAX_BYTES,
} from '@checkout/kafka';
import { z } from 'zod';

/**
 * The projector's configuration, read from the environment once at start (SPEC §7).
 * A bad value fails fast with one message per variable, naming it.
 */
export const projectorEnvSchema = z.object({
  /** Comma-separated `host:port` list. Unset: the embedded in-process log fed by the demo generator. */
  KAFKA_BROKERS: kafkaBrokers().optional(),
  /** @default 'checkout-projector' */
  KAFKA_GROUP_ID: z.string().min(1).max(255).default('checkout-projector'),
  /** @default 'checkout-projector' */
  KAFKA_CLIENT_ID: z.string().min(1).max(255).default('checkout-projector'),
  /** Prepended to the five topic names (`staging.` → `staging.cart-events`). @default '' */
  KAFKA_TOPIC_PREFIX: kafkaTopicPrefix,
  KAFKA_ALLOW_COMPACTED_TOPICS: allowCompactedTopics,
  /** Create missing topics at start (development only). @default false */
  KAFKA_CREATE_TOPICS: booleanFlag.default(false),
  /** Partitions for topics created with KAFKA_CREATE_TOPICS. @default 3 */
  KAFKA_TOPIC_PARTITIONS: integer(1, 10_000).default(3),
  /**
   * Consumer group session timeout: how long the group waits for a silent member (a crashed
   * process, a broker outage) before giving its partitions to others. The broker bounds it
   * (`group.min.session.timeout.ms`, 6 s by default). @default 30000
   */
  KAFKA_SESSION_TIMEOUT_MS: integer(1000, 3_600_000).default(30_000),
  /** Consumer heartbeat interval; must be below KAFKA_SESSION_TIMEOUT_MS (a third of it is usual). @default 3000 */
  KAFKA_HEARTBEAT_INTERVAL_MS: integer(100, 3_600_000).default(3000),
  /**
   * Least time between two Kafka offset commits. They only say where a restarted consumer
   * starts fetching (it then seeks to the Redis checkpoint), so they need not follow every
   * wave; 0 commits after every wave. @default 1000
   */
  KAFKA_COMMIT_INTERVAL_MS: integer(0, 60_000).default(DEFAULT_COMMIT_INTERVAL_MS),
  /**
   * Most compressed bytes one Kafka fetch brings, over all partitions. A fetch stays in memory
   * until its last batch is stored, decoded to about 7× its size: this bounds the consumer's
   * memory. @default 1048576 (1 MiB, DEFAULT_FETCH_MAX_BYTES)
   */
  KAFKA_FETCH_MAX_BYTES: integer(1024, 1_073_741_824).default(DEFAULT_FETCH_MAX_BYTES),
  /**
   * Most compressed bytes one fetch brings of one partition; a fraction of KAFKA_FETCH_MAX_BYTES,
   * so a fetch of a backlog spans several partitions that can be folded side by side.
   * @default 131072 (128 KiB, DEFAULT_FETCH_PARTITION_MAX_BYTES)
   */
  KAFKA_FETCH_PARTITION_MAX_BYTES: integer(1024, 1_073_741_824).default(
    DEFAULT_FETCH_PARTITION_MAX_BYTES,
  ),
  /**
   * Most groups of batches folded at once, each of a different partition number: while one
   * waits for Redis, another parses and folds. @default 3
   */
  CONCURRENT_BATCHES: integer(1, 64).default(3),
  /**
   * How often the store watchdog checks that Redis still holds the checkpoints the projector
   * stored, to replay partitions a flushed or restored Redis lost even when they receive no
   * new event. 0 turns it off. @default 5000
   */
  STORE_WATCHDOG_INTERVAL_MS: integer(0, 3_600_000).default(5000),
  /**
   * Liveness: `/healthz` answers 500 once records wait and no batch was stored for this long
   * (a hung broker, a network black hole, a wedged client), so an orchestrator restarts the
   * process. Idle is not stuck. 0 turns it off. @default 300000 (5 minutes)
   */
  STALL_TIMEOUT_MS: integer(0, 86_400_000).default(300_000),
  ...kafkaSecurity,
  /** `redis://` or `rediss://`, with ACL user and password. Unset: the embedded in-process store. */
  REDIS_URL: redisUrl().optional(),
  ...redisStoreMode,
  /** PEM file with the CA that signed the Redis server's certificate (rediss:// only). @default the system CAs */
  REDIS_TLS_CA_FILE: redisTlsCaFile,
  /** Leading key segment, `checkout` in `checkout:order:{id}`. @default 'checkout' */
  REDIS_NAMESPACE: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('checkout'),
  /**
   * Start even though Redis's maxmemory-policy may evict the projector's keys (allkeys-*, or
   * volatile-* with a snapshot TTL). Evicted sessions are then marked meta.history_incomplete
   * when their next event arrives. @default false
   */
  REDIS_ALLOW_EVICTION: booleanFlag.default(false),
  /** ISO 4217 code of the store's only currency. @default 'PLN' */
  CHECKOUT_CURRENCY: checkoutCurrency,
  /** Snapshot expiry, refreshed on each write; 0 = never. @default 2592000 (30 days) */
  SNAPSHOT_TTL_SECONDS: snapshotTtlSeconds,
  /** Most bytes one batch commit sends; a larger batch is stored in parts. @default 64 MiB */
  REDIS_MAX_COMMIT_BYTES: redisMaxCommitBytes,
  WAVE_MAX_BYTES: waveMaxBytes,
  WAVE_MAX_MS: waveMaxMs,
  WORKING_SET_MAX_BYTES: workingSetMaxBytes,
  /** @default 'checkout-events-dlq' */
  DLQ_TOPIC: dlqTopic,
  /**
   * Compacted topic of every committed snapshot, keyed by session id, co-partitioned with the
   * event topics (README, "Snapshot changelog"). @default unset (no changelog)
   */
  SNAPSHOT_CHANGELOG_TOPIC: snapshotChangelogTopic,
  /** @default 8080 */
  HTTP_PORT: integer(0, 65_535).default(8080),
  /**
   * The address the HTTP API binds. Loopback by default: the API serves personal data, and a
   * projector started on a laptop (`pnpm start`) should not be reachable from the network; the
   * container image sets `0.0.0.0`. @default '127.0.0.1'
   */
  HTTP_HOST: z.string().min(1).max(255).default('127.0.0.1'),
  /**
   * When set, the `/v1/` read routes need `Authorization: Bearer <token>` (compared in constant
   * time); `/healthz`, `/readyz` and `/metrics` stay open for probes and scrapers. 16–4096
   * characters. @default unset (no authentication)
   */
  HTTP_AUTH_TOKEN: z.string().min(16).max(4096).optional(),
  /** @default 'info' */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Embedded mode only: demo events generated per second. @default 20 */
  DEMO_EVENTS_PER_SECOND: integer(0, 1_000_000).default(20),
  /** Embedded mode only: seed of the demo generator. @default 1 */
  DEMO_SEED: integer(0, 2 ** 31).default(1),
  /** Test hook: SIGKILL this process when the named step is reached (see fault-points.ts). */
  CHECKOUT_FAULT_POINT: z
    .enum([
      'after-load',
      'after-dead-letters',
      'after-store-commit',
      'after-changelog',
      'after-source-commit',
    ])
    .optional(),
  /** Test hook: how many times the fault point is passed before the crash. @default 1 */
  CHECKOUT_FAULT_AFTER: integer(1, 1_000_000).default(1),
  /** Test hook: SIGKILL (crash) or SIGSTOP (freeze, to make a zombie). @default 'SIGKILL' */
  CHECKOUT_FAULT_SIGNAL: z.enum(['SIGKILL', 'SIGSTOP']).default('SIGKILL'),
});

export type ProjectorConfig = z.infer<typeof projectorEnvSchema>;

const heartbeatBelowSessionTimeout: CrossCheck<ProjectorConfig> = (config) =>
  config.KAFKA_HEARTBEAT_INTERVAL_MS >= config.KAFKA_SESSION_TIMEOUT_MS
    ? `KAFKA_HEARTBEAT_INTERVAL_MS: must be below KAFKA_SESSION_TIMEOUT_MS (${config.KAFKA_SESSION_TIMEOUT_MS})`
    : undefined;

/** The changelog is a Kafka topic: without brokers (embedded mode) it would be ignored, silently. */
const changelogNeedsKafka: CrossCheck<ProjectorConfig> = (config) =>
  config.SNAPSHOT_CHANGELOG_TOPIC !== undefined && config.KAFKA_BROKERS === undefined
    ? 'SNAPSHOT_CHANGELOG_TOPIC: needs KAFKA_BROKERS (the changelog is a Kafka topic); unset it in embedded mode'
    : undefined;

export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult<ProjectorConfig> {
  return loadEnv(projectorEnvSchema, env, [
    saslIncomplete,
    heartbeatBelowSessionTimeout,
    redisClusterIncomplete,
    redisCaWithoutTls,
    changelogNeedsKafka,
  ]);
}
