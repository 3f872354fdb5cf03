import type { Redis } from 'ioredis';
import { activeGeneration } from './generations.ts';
import { DEFAULT_NAMESPACE, keyspace } from './keyspace.ts';
import { toStoreError } from './redis-errors.ts';

/**
 * What a generation says about itself: `<ns>:gen:<id>:info`, a hash that `checkout-rebuild`
 * writes when it takes the id and keeps up to date while it runs (fields: purpose, state,
 * created_at, heartbeat_at, switched_at, from, replaces, host, pid, fold_version). It lives
 * under the generation's own prefix, so dropping the generation drops it too.
 */
export function generationInfoKey(namespace: string, id: string): string {
  keyspace(namespace, id); // validates both names
  return `${namespace}:gen:${id}:info`;
}

/**
 * Ids of the generations that have an info hash (SCAN: O(keys) on the server, for operator
 * views, never the write path).
 */
export async function scanGenerationIds(redis: Redis, namespace: string): Promise<string[]> {
  const pattern = `${namespace}:gen:*:info`;
  const ids = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await call(
      () => redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000),
      `scan ${pattern}`,
    );
    cursor = next;
    for (const key of keys) {
      const id = key.slice(`${namespace}:gen:`.length, -':info'.length);
      if (/^[A-Za-z0-9_.-]{1,64}$/.test(id)) ids.add(id);
    }
  } while (cursor !== '0');
  return [...ids];
}

export interface GenerationRecord {
  id: string;
  /** The info hash as stored; empty when the generation has none. */
  info: Readonly<Record<string, string>>;
  /** Its checkpoints of the group: logical `"<topic>:<partition>"` → next offset. */
  checkpoints: Readonly<Record<string, string>>;
}

/** The active generation (null = base) and every generation with an info hash, for `/status`. */
export async function readGenerationRecords(
  redis: Redis,
  scope: { namespace?: string; group: string },
): Promise<{ active: string | null; generations: GenerationRecord[] }> {
  const namespace = scope.namespace ?? DEFAULT_NAMESPACE;
  const active = await activeGeneration(redis, { namespace });
  const ids = await scanGenerationIds(redis, namespace);
  const generations: GenerationRecord[] = [];
  for (const id of ids.sort()) {
    const [info, checkpoints] = await Promise.all([
      call(() => redis.hgetall(generationInfoKey(namespace, id)), `read the info of ${id}`),
      call(
        () => redis.hgetall(keyspace(namespace, id).checkpoints(scope.group)),
        `read the checkpoints of ${id}`,
      ),
    ]);
    generations.push({ id, info, checkpoints });
  }
  return { active, generations };
}

async function call<T>(operation: () => Promise<T>, what: string): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStoreError(error, what);
  }
}
