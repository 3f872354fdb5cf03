import { EngineError } from '@checkout/engine';
import { assertName } from './keyspace.ts';
import {
  clusterLayout,
  partitionCountChanged,
  standaloneLayout,
  type KeyLayout,
} from './key-layout.ts';
import type { RedisConnection } from './redis-connection.ts';
import { toStoreError } from './redis-errors.ts';

/**
 * # `<ns>:layout`: how a reader finds a session's keys
 *
 * A hash, written once by the first projector (or rebuild) in cluster mode, never changed:
 *
 *   mode        `cluster`
 *   partitions  the topics' partition count, decimal
 *   hash        `kafka-murmur2`: partition = toPositive(murmur2(utf8(sessionId))) % partitions,
 *               Kafka's default partitioner (partition-for-key.ts, test vectors in the README)
 *   version     `1`, the key format of cluster-keyspace.ts
 *
 * Absent: the standalone layout (keyspace.ts), which predates this record and needs none.
 * A projector whose topics have another partition count refuses to start
 * ({@link partitionCountChanged}): every session's tag depends on it.
 */
export function layoutKey(namespace: string): string {
  assertName('namespace', namespace);
  return `${namespace}:layout`;
}

export const LAYOUT_HASH = 'kafka-murmur2';
export const LAYOUT_VERSION = '1';

/** KEYS[1] the record; ARGV: field, value pairs. Writes them unless a record exists; returns it. */
const ENSURE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * Records `layout` if the namespace has no record yet, else checks it matches; throws a
 * `CONFIGURATION` error naming the fix when it does not. A standalone layout records nothing,
 * but refuses a namespace that a cluster projector laid out.
 */
export async function ensureLayoutRecord(redis: RedisConnection, layout: KeyLayout): Promise<void> {
  const key = layoutKey(layout.namespace);
  if (layout.mode === 'standalone') {
    const stored = await readLayoutRecord(redis, layout.namespace);
    if (stored?.mode === 'cluster') throw modeChanged(layout.namespace, 'cluster', 'standalone');
    return;
  }
  const fields = {
    mode: 'cluster',
    partitions: String(layout.partitions),
    hash: LAYOUT_HASH,
    version: LAYOUT_VERSION,
  };
  let reply: unknown;
  try {
    reply = await redis.eval(ENSURE_SCRIPT, 1, key, ...Object.entries(fields).flat());
  } catch (error) {
    throw toStoreError(error, `record the key layout in ${key}`, { key });
  }
  const stored = layoutOf(pairs(reply as string[]), layout.namespace);
  if (stored.mode !== 'cluster') throw modeChanged(layout.namespace, stored.mode, 'cluster');
  if (stored.partitions !== layout.partitions) {
    throw partitionCountChanged(layout.namespace, stored.partitions ?? 0, layout.partitions ?? 0);
  }
}

/** The recorded layout of a namespace; null when none is recorded (standalone). */
export async function readLayoutRecord(
  redis: RedisConnection,
  namespace: string,
): Promise<KeyLayout | null> {
  const key = layoutKey(namespace);
  let stored: Record<string, string>;
  try {
    stored = await redis.hgetall(key);
  } catch (error) {
    throw toStoreError(error, `read the key layout ${key}`, { key });
  }
  return Object.keys(stored).length === 0 ? null : layoutOf(stored, namespace);
}

function layoutOf(stored: Record<string, string>, namespace: string): KeyLayout {
  const partitions = Number(stored['partitions']);
  if (
    stored['mode'] === 'cluster' &&
    stored['hash'] === LAYOUT_HASH &&
    stored['version'] === LAYOUT_VERSION &&
    Number.isSafeInteger(partitions) &&
    partitions >= 1
  ) {
    return clusterLayout(namespace, partitions);
  }
  if (stored['mode'] === 'standalone') return standaloneLayout(namespace);
  throw new EngineError(
    'CONFIGURATION',
    `${layoutKey(namespace)} holds a key layout this version does not read ` +
      `(${JSON.stringify(stored)}); deploy the version that wrote it.`,
    { canRetry: false, context: { namespace } },
  );
}

function pairs(flat: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i] as string] = flat[i + 1] as string;
  return record;
}

function modeChanged(namespace: string, stored: string, configured: string): EngineError {
  return new EngineError(
    'CONFIGURATION',
    `REDIS_MODE: namespace ${namespace} is laid out for ${stored} Redis (${layoutKey(namespace)}), ` +
      `but this process is configured for ${configured}. Use the mode it was written in, or ` +
      'rebuild into a new REDIS_NAMESPACE.',
    { canRetry: false, context: { namespace, stored, configured } },
  );
}
