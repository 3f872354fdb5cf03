import type { KeyLayout } from './key-layout.ts';
import { parseMark } from './last-write-mark.ts';
import { primariesOf, type RedisConnection } from './redis-connection.ts';
import { withStoreError } from './redis-errors.ts';

/**
 * Reads of what a generation holds, for the rebuild CLI and tests, in either layout: every
 * multi-key read is split per shard (one MGET per partition's tag in a cluster, one in all on
 * a standalone Redis), every scan runs on every primary.
 */

/** A generation's checkpoints of `group`: logical `"<topic>:<partition>"` → next offset. */
export async function readCheckpoints(
  redis: RedisConnection,
  layout: KeyLayout,
  generation: string | null,
  group: string,
): Promise<Map<string, string>> {
  const checkpoints = new Map<string, string>();
  for (const shard of layout.shards) {
    const key = layout.keys(shard, generation).checkpoints(group);
    const stored = await withStoreError(() => redis.hgetall(key), `read ${key}`);
    for (const [field, value] of Object.entries(stored)) checkpoints.set(field, value);
  }
  return checkpoints;
}

/** Stored documents (encoded JSON) of `sessionIds`, in their order; null = absent. */
export function readSnapshotTexts(
  redis: RedisConnection,
  layout: KeyLayout,
  generation: string | null,
  sessionIds: readonly string[],
): Promise<Array<string | null>> {
  return readPerShard(redis, layout, sessionIds, (shard, id) =>
    layout.keys(shard, generation).snapshot(id),
  );
}

/** Last-write marks (Redis time, ms) of `sessionIds`, in their order; null = none. */
export async function readLastWrites(
  redis: RedisConnection,
  layout: KeyLayout,
  generation: string | null,
  sessionIds: readonly string[],
): Promise<Array<number | null>> {
  const marks = await readPerShard(redis, layout, sessionIds, (shard, id) =>
    layout.keys(shard, generation).lastWrite(id),
  );
  return marks.map(parseMark);
}

/** Every stored session id of a generation, a SCAN page at a time (every primary). */
export async function* snapshotSessionPages(
  redis: RedisConnection,
  layout: KeyLayout,
  generation: string | null,
): AsyncIterable<string[]> {
  const snapshots = layout.snapshotKeys(generation);
  for (const primary of primariesOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await withStoreError(
        () => primary.scan(cursor, 'MATCH', snapshots.pattern, 'COUNT', 1000),
        `scan ${snapshots.pattern}`,
      );
      cursor = next;
      const ids = keys.flatMap((key) => {
        const id = snapshots.sessionOf(key);
        return id === null ? [] : [id];
      });
      if (ids.length > 0) yield ids;
    } while (cursor !== '0');
  }
}

/** The clock the TTLs run on (Redis TIME), in ms. */
export async function redisClockMs(redis: RedisConnection): Promise<number> {
  const [seconds, micros] = await withStoreError(() => redis.time(), 'read the Redis clock (TIME)');
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * Seconds since `key` was last written or read (OBJECT IDLETIME); null when absent or refused.
 * `status` shows it for the checkpoint hashes: when a projector last stored anything.
 */
export async function idleSeconds(redis: RedisConnection, key: string): Promise<number | null> {
  try {
    const seconds = await redis.object('IDLETIME', key);
    return typeof seconds === 'number' ? seconds : null;
  } catch {
    return null;
  }
}

/** One MGET per shard; the values come back in the order of `sessionIds`. */
async function readPerShard(
  redis: RedisConnection,
  layout: KeyLayout,
  sessionIds: readonly string[],
  keyOf: (shard: number, sessionId: string) => string,
): Promise<Array<string | null>> {
  const values = new Array<string | null>(sessionIds.length).fill(null);
  const byShard = new Map<number, number[]>();
  sessionIds.forEach((id, index) => {
    const shard = layout.shardOfSession(id);
    byShard.set(shard, [...(byShard.get(shard) ?? []), index]);
  });
  for (const [shard, indexes] of byShard) {
    for (let start = 0; start < indexes.length; start += 500) {
      const page = indexes.slice(start, start + 500);
      const keys = page.map((index) => keyOf(shard, sessionIds[index] ?? ''));
      const found = await withStoreError(() => redis.mget(keys), `read ${keys.length} keys`);
      page.forEach((index, at) => {
        values[index] = found[at] ?? null;
      });
    }
  }
  return values;
}
