import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The environment variables `checkout-projector` and `checkout-rebuild` share, one schema each,
 * so an operator runs the CLI with the projector's environment and both read it alike. Each
 * app composes its own `z.object` from these and adds what only it reads.
 */

/** `true`/`false`, `1`/`0`, `yes`/`no`. */
export const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A whole number written in decimal, within `[min, max]`. */
export const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `KAFKA_BROKERS`: comma-separated `host:port`; `missing` is the message when it is required. */
export const kafkaBrokers = (missing?: string) =>
  z
    .string(missing === undefined ? undefined : { error: missing })
    .transform((value) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1));

/** `KAFKA_TOPIC_PREFIX`, prepended to the five topic names. @default '' */
export const kafkaTopicPrefix = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, . _ -')
  .default('');

/**
 * `KAFKA_ALLOW_COMPACTED_TOPICS`: consume event topics with `cleanup.policy=compact` anyway
 * (refused at start otherwise: compaction keeps one event per session). @default false
 */
export const allowCompactedTopics = booleanFlag.default(false);
/** A CA file named by a variable, read once at start. */
export interface CaFile {
  path: string;
  /** The PEM text, as read. */
  pem: Buffer;
}

/**
 * A PEM file of CA certificates, read while the configuration is validated: a missing or
 * unreadable file, or one without a certificate, fails fast naming the variable instead of
 * surfacing later as a TLS error on the first connection.
 */
export const caFile = z
  .string()
  .min(1)
  .transform((path, context): CaFile => {
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      context.addIssue({ code: 'custom', message: `cannot read ${path} (${reason})` });
      return z.NEVER;
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      context.addIssue({ code: 'custom', message: `${path} holds no PEM certificate` });
      return z.NEVER;
    }
    return { path, pem };
  });

/** TLS and SASL towards the brokers; see {@link saslIncomplete}. */
export const kafkaSecurity = {
  /** @default false */
  KAFKA_SSL: booleanFlag.default(false),
  /** PEM file with the CA that signed the brokers' certificates; implies KAFKA_SSL. */
  KAFKA_SSL_CA_FILE: caFile.optional(),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
};

/** `REDIS_URL`: `redis://` or `rediss://`, ACL user and password in it. */
export const redisUrl = (missing?: string) =>
  z
    .string(missing === undefined ? undefined : { error: missing })
    .refine((value) => /^rediss?:\/\//.test(value), 'must start with redis:// or rediss://')
    .pipe(z.url());

/**
 * Which Redis `REDIS_URL` names: `standalone` (one server, or a primary with replicas) or
 * `cluster` (a Redis Cluster: REDIS_URL is one seed node, its scheme and ACL user and
 * password apply to every node; REDIS_CLUSTER_SEEDS lists more seeds).
 */
export const redisStoreMode = {
  /** @default 'standalone' */
  REDIS_MODE: z.enum(['standalone', 'cluster']).default('standalone'),
  /**
   * Further cluster seed nodes, comma-separated `host:port`, reached with REDIS_URL's scheme
   * and credentials. Only with REDIS_MODE=cluster. @default none
   */
  REDIS_CLUSTER_SEEDS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((seed) => seed.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each seed must be host:port')))
    .optional(),
};

/** REDIS_CLUSTER_SEEDS belongs to a cluster, and a cluster needs REDIS_URL for its first seed. */
export const redisClusterIncomplete: CrossCheck<{
  REDIS_MODE: 'standalone' | 'cluster';
  REDIS_CLUSTER_SEEDS?: string[] | undefined;
  REDIS_URL?: string | undefined;
}> = (config) => {
  if (config.REDIS_CLUSTER_SEEDS !== undefined && config.REDIS_MODE !== 'cluster')
    return 'REDIS_CLUSTER_SEEDS: set only with REDIS_MODE=cluster';
  if (config.REDIS_MODE === 'cluster' && config.REDIS_URL === undefined)
    return 'REDIS_URL: REDIS_MODE=cluster needs REDIS_URL, the URL of one cluster node';
  if (config.REDIS_MODE === 'cluster' && /^rediss?:\/\/[^/]*\/[1-9]/.test(config.REDIS_URL ?? ''))
    return 'REDIS_URL: Redis Cluster has only db 0; remove the /<db> path';
  return undefined;
};

/**
 * `REDIS_TLS_CA_FILE`: PEM file with the CA that signed the Redis server's certificate, for a
 * `rediss://` REDIS_URL (see {@link redisCaWithoutTls}). @default unset (the system CAs)
 */
export const redisTlsCaFile = caFile.optional();

/** `CHECKOUT_CURRENCY`, ISO 4217, the store's only currency. @default 'PLN' */
export const checkoutCurrency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be 3 upper-case letters, e.g. PLN')
  .default('PLN');

/** `SNAPSHOT_TTL_SECONDS`: expiry of written snapshots; 0 = never. @default 2592000 (30 days) */
export const snapshotTtlSeconds = integer(0, 10 * 365 * 24 * 3600).default(30 * 24 * 3600);

/**
 * `REDIS_MAX_COMMIT_BYTES`: most bytes one batch commit sends to Redis (one script, run while
 * every other client waits); a larger batch is stored in parts.
 * @default 67108864 (64 MiB)
 */
export const redisMaxCommitBytes = integer(65_536, 1024 * 1024 * 1024).default(64 * 1024 * 1024);

/**
 * `WAVE_MAX_BYTES`: most bytes of sessions (their documents' size, estimated) one partition
 * number's wave holds before it is stored; `WAVE_MAX_MS`: most milliseconds a wave folds
 * before it is stored (0: store after every batch). A caught-up partition is stored at once
 * either way. Defaults: the engine's (`DEFAULT_WAVE_LIMITS`: 16 MiB, 1000 ms).
 */
export const waveMaxBytes = integer(65_536, 1024 * 1024 * 1024).optional();
export const waveMaxMs = integer(0, 600_000).optional();
/**
 * `WORKING_SET_MAX_BYTES`: most bytes of sessions kept in memory across waves, the pending
 * waves' counted too, so the next wave of their partition number folds onto them without
 * loading them (0: none kept). Default: the engine's (4 MiB).
 */
export const workingSetMaxBytes = integer(0, 4 * 1024 * 1024 * 1024).optional();

/** The wave limits the configuration sets, for the engine (absent: its defaults). */
export function waveLimits(config: {
  WAVE_MAX_BYTES?: number | undefined;
  WAVE_MAX_MS?: number | undefined;
  WORKING_SET_MAX_BYTES?: number | undefined;
}): {
  maxBytes?: number;
  maxMs?: number;
  workingSetMaxBytes?: number;
} {
  return {
    ...(config.WAVE_MAX_BYTES === undefined ? {} : { maxBytes: config.WAVE_MAX_BYTES }),
    ...(config.WAVE_MAX_MS === undefined ? {} : { maxMs: config.WAVE_MAX_MS }),
    ...(config.WORKING_SET_MAX_BYTES === undefined
      ? {}
      : { workingSetMaxBytes: config.WORKING_SET_MAX_BYTES }),
  };
}

/** `DLQ_TOPIC`. @default 'checkout-events-dlq' */
export const dlqTopic = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[A-Za-z0-9._-]+$/)
  .default('checkout-events-dlq');

/**
 * The compacted topic every committed snapshot is also published to, for fast restores
 * (`checkout-rebuild --from-changelog`); unset: no changelog. @default unset
 */
export const snapshotChangelogTopic = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[A-Za-z0-9._-]+$/)
  .optional();

/** A rule across variables: the message (naming the variable) when `config` breaks it. */
export type CrossCheck<T> = (config: T) => string | undefined;

/** SASL needs its mechanism, user name and password together. */
export const saslIncomplete: CrossCheck<{
  KAFKA_SASL_MECHANISM?: string | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}> = (config) => {
  const sasl = [
    config.KAFKA_SASL_MECHANISM,
    config.KAFKA_SASL_USERNAME,
    config.KAFKA_SASL_PASSWORD,
  ];
  return sasl.some((value) => value !== undefined) && sasl.some((value) => value === undefined)
    ? 'KAFKA_SASL_MECHANISM: set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD together'
    : undefined;
};

/** A Redis CA file only means something with TLS: say so rather than ignore it. */
export const redisCaWithoutTls: CrossCheck<{
  REDIS_URL?: string | undefined;
  REDIS_TLS_CA_FILE?: CaFile | undefined;
}> = (config) =>
  config.REDIS_TLS_CA_FILE !== undefined &&
  config.REDIS_URL !== undefined &&
  !config.REDIS_URL.startsWith('rediss://')
    ? 'REDIS_TLS_CA_FILE: set, but REDIS_URL is not rediss:// (TLS); use rediss:// or unset it'
    : undefined;
