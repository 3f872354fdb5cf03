import { assertName } from './keyspace.ts';
import { scanKeys, type RedisConnection } from './redis-connection.ts';
import { withStoreError } from './redis-errors.ts';

/**
 * `checkout-rebuild`'s bookkeeping of a generation, in both layouts:
 *
 * | key                  | type | holds                                                     |
 * |----------------------|------|-----------------------------------------------------------|
 * | `<ns>:gen:<id>:info` | hash | purpose, state, heartbeat, host, pid… (the CLI's fields)  |
 *
 * Outside every partition's hash tag in a cluster (it is about the whole generation, and no
 * script reads it with other keys); `dropGeneration` removes it with the generation.
 */
export function generationInfoKey(namespace: string, id: string): string {
  assertName('namespace', namespace);
  assertName('generation id', id);
  return `${namespace}:gen:${id}:info`;
}

/** Sets fields of a generation's info hash. */
export async function writeGenerationInfo(
  redis: RedisConnection,
  namespace: string,
  id: string,
  fields: Readonly<Record<string, string>>,
): Promise<void> {
  const key = generationInfoKey(namespace, id);
  await withStoreError(() => redis.hset(key, { ...fields }), `write ${key}`);
}

/** A generation's info hash; null when it has none. */
export async function readGenerationInfo(
  redis: RedisConnection,
  namespace: string,
  id: string,
): Promise<Record<string, string> | null> {
  const key = generationInfoKey(namespace, id);
  const stored = await withStoreError(() => redis.hgetall(key), `read ${key}`);
  return Object.keys(stored).length === 0 ? null : stored;
}

/** Ids of every generation with an info hash (SCAN on every primary: an operator command). */
export async function generationIdsWithInfo(
  redis: RedisConnection,
  namespace: string,
): Promise<Set<string>> {
  assertName('namespace', namespace);
  const prefix = `${namespace}:gen:`;
  const ids = new Set<string>();
  await scanKeys(redis, `${prefix}*:info`, (keys) => {
    for (const key of keys) {
      const id = key.slice(prefix.length, -':info'.length);
      if (/^[A-Za-z0-9_.-]{1,64}$/.test(id)) ids.add(id);
    }
  });
  return ids;
}
