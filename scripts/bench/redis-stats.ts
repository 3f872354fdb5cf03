import type { createRedisClient } from '@checkout/redis';

export type RedisClient = ReturnType<typeof createRedisClient>;

/** Calls per command name (`INFO commandstats`), commands run inside Lua scripts included. */
export type CommandCounts = Map<string, number>;

export async function commandStats(redis: RedisClient): Promise<CommandCounts> {
  const info = await redis.info('commandstats');
  const counts: CommandCounts = new Map();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    counts.set(match[1] as string, Number(match[2]));
    counts.set(`${match[1] as string}${USEC}`, Number(match[3]));
  }
  return counts;
}

/** Suffix of the entries that hold a command's execution time in microseconds, not calls. */
export const USEC = ' usec';

/** Calls only (the `… usec` entries left out). */
export function calls(counts: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...counts].filter(([name]) => !name.endsWith(USEC)));
}

/**
 * Seconds Redis spent executing the commands of a delta. A script's time already contains the
 * commands it ran, which commandstats also counts on their own: name those to leave them out.
 */
export function busySeconds(
  counts: ReadonlyMap<string, number>,
  runInsideScripts: readonly string[] = [],
): number {
  let usec = 0;
  for (const [name, value] of counts) {
    if (name.endsWith(USEC) && !runInsideScripts.includes(name.slice(0, -USEC.length))) {
      usec += value;
    }
  }
  return usec / 1e6;
}

/**
 * What the server executed between two snapshots, less the bench's own commands (its polls
 * and the INFO calls themselves), per command name.
 */
export function commandDelta(
  before: CommandCounts,
  after: CommandCounts,
  own: ReadonlyMap<string, number> = new Map(),
): CommandCounts {
  const delta: CommandCounts = new Map();
  for (const [name, calls] of after) {
    const count = calls - (before.get(name) ?? 0) - (own.get(name) ?? 0);
    if (count > 0) delta.set(name, count);
  }
  return delta;
}

/** Total calls (the `… usec` entries left out). */
export function total(counts: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const [name, count] of counts) if (!name.endsWith(USEC)) sum += count;
  return sum;
}

/** Deletes every key under `pattern` (SCAN + UNLINK), so phases do not pile data up in Redis. */
export async function deleteKeys(redis: RedisClient, pattern: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) removed += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return removed;
}
