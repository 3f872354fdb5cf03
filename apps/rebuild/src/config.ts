import {
  checkoutCurrency,
  dlqTopic,
  snapshotChangelogTopic,
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
} from '@checkout/config';
import { z } from 'zod';

/**
 * The environment `checkout-rebuild` reads: the same variables, names and defaults as the
 * projector (the shared ones come from @checkout/config), so an operator runs it with the
 * projector's environment. The CLI needs Kafka and Redis always (no embedded mode) and none of
 * the HTTP/demo settings. `KAFKA_GROUP_ID` names the *live* group, whose checkpoints and
 * generation the CLI manages.
 */
export const rebuildEnvSchema = z.object({
  /** Comma-separated `host:port` bootstrap brokers. Required. */
  KAFKA_BROKERS: kafkaBrokers('is required (comma-separated host:port list)'),
  /** The live projector's consumer group: names its checkpoint hash. @default 'checkout-projector' */
  KAFKA_GROUP_ID: z.string().min(1).max(200).default('checkout-projector'),
  /** @default 'checkout-rebuild' */
  KAFKA_CLIENT_ID: z.string().min(1).max(255).default('checkout-rebuild'),
  /** Prepended to the five topic names. @default '' */
  KAFKA_TOPIC_PREFIX: kafkaTopicPrefix,
  KAFKA_ALLOW_COMPACTED_TOPICS: allowCompactedTopics,
  ...kafkaSecurity,
  /** `redis://` or `rediss://`, with ACL user and password. Required. */
  REDIS_URL: redisUrl('is required (redis://[user:password@]host[:port][/db])'),
  ...redisStoreMode,
  /** PEM file with the CA that signed the Redis server's certificate (rediss:// only). */
  REDIS_TLS_CA_FILE: redisTlsCaFile,
  /** @default 'checkout' */
  REDIS_NAMESPACE: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'only letters, digits, _ . -')
    .default('checkout'),
  /** @default 'PLN' */
  CHECKOUT_CURRENCY: checkoutCurrency,
  /** Expiry of written snapshots; 0 = never. @default 2592000 (30 days) */
  SNAPSHOT_TTL_SECONDS: snapshotTtlSeconds,
  /** Most bytes one batch commit sends; a larger batch is stored in parts. @default 64 MiB */
  REDIS_MAX_COMMIT_BYTES: redisMaxCommitBytes,
  WAVE_MAX_BYTES: waveMaxBytes,
  WAVE_MAX_MS: waveMaxMs,
  WORKING_SET_MAX_BYTES: workingSetMaxBytes,
  /** EventStoreDB archive for `--source eventstore`: `esdb://[user:password@]host:2113[?tls=false]`. */
  EVENTSTORE_URL: z.string().min(1).optional(),
  /** @default 'checkout-events-dlq' */
  DLQ_TOPIC: dlqTopic,
  /**
   * Compacted topic of every committed snapshot, keyed by session id, co-partitioned with the
   * event topics (README, "Snapshot changelog"). @default unset (no changelog)
   */
  SNAPSHOT_CHANGELOG_TOPIC: snapshotChangelogTopic,
});

export type RebuildConfig = z.infer<typeof rebuildEnvSchema>;

/** Validates the environment; an empty variable counts as unset. */
export function loadRebuildConfig(
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult<RebuildConfig> {
  return loadEnv(rebuildEnvSchema, env, [
    saslIncomplete,
    redisClusterIncomplete,
    redisCaWithoutTls,
  ]);
}
