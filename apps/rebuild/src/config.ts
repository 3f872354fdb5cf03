import { z } from 'zod';

/**
 * The environment `checkout-rebuild` reads: the same variables, names and defaults as the
 * projector (apps/projector/src/config.ts), so an operator runs it with the projector's
 * environment. Mirrored rather than imported: the projector is an app, not a library, and the
 * CLI needs Kafka and Redis always (no embedded mode) and none of the HTTP/demo settings.
 * `KAFKA_GROUP_ID` names the *live* group, whose checkpoints and generation the CLI manages.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const rebuildEnvSchema = z.object({
  /** Comma-separated `host:port` bootstrap brokers. Required. */
  KAFKA_BROKERS: z
    .string({ error: 'is required (comma-separated host:port list)' })
    .transform((value) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1)),
  /** The live projector's consumer group: names its checkpoint hash. @default 'checkout-projector' */
  KAFKA_GROUP_ID: z.string().min(1).max(200).default('checkout-projector'),
  /** @default 'checkout-rebuild' */
  KAFKA_CLIENT_ID: z.string().min(1).max(255).default('checkout-rebuild'),
  /** Prepended to the five topic names. @default '' */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, . _ -')
    .default(''),
  /** @default false */
  KAFKA_SSL: booleanFlag.default(false),
  /** PEM file with the CA that signed the brokers' certificates. */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** `redis://` or `rediss://`, with ACL user and password. Required. */
  REDIS_URL: z
    .string({ error: 'is required (redis://[user:password@]host[:port][/db])' })
    .refine((value) => /^rediss?:\/\//.test(value), 'must start with redis:// or rediss://')
    .pipe(z.url()),
  /** @default 'checkout' */
  REDIS_NAMESPACE: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'only letters, digits, _ . -')
    .default('checkout'),
  /** @default 'PLN' */
  CHECKOUT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be 3 upper-case letters, e.g. PLN')
    .default('PLN'),
  /** Expiry of written snapshots; 0 = never. @default 2592000 (30 days) */
  SNAPSHOT_TTL_SECONDS: integer(0, 10 * 365 * 24 * 3600).default(30 * 24 * 3600),
  /** EventStoreDB archive for `--source eventstore`: `esdb://[user:password@]host:2113[?tls=false]`. */
  EVENTSTORE_URL: z.string().min(1).optional(),
  /** @default 'checkout-events-dlq' */
  DLQ_TOPIC: z
    .string()
    .min(1)
    .max(249)
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('checkout-events-dlq'),
});

export type RebuildConfig = z.infer<typeof rebuildEnvSchema>;

export type ConfigResult = { ok: true; value: RebuildConfig } | { ok: false; error: string };

/** Validates the environment; an empty variable counts as unset. */
export function loadRebuildConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const known = Object.keys(rebuildEnvSchema.shape);
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) => known.includes(name) && value !== undefined && value !== '',
    ),
  );
  const parsed = rebuildEnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, error: `Invalid configuration:\n${lines.join('\n')}` };
  }
  const config = parsed.data;
  const sasl = [
    config.KAFKA_SASL_MECHANISM,
    config.KAFKA_SASL_USERNAME,
    config.KAFKA_SASL_PASSWORD,
  ];
  if (sasl.some((value) => value !== undefined) && sasl.some((value) => value === undefined)) {
    return {
      ok: false,
      error:
        'Invalid configuration:\n  KAFKA_SASL_MECHANISM: set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD together',
    };
  }
  return { ok: true, value: config };
}
