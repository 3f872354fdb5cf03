import { assertName } from './keyspace.ts';
import type { RedisConnection } from './redis-connection.ts';
import { withStoreError } from './redis-errors.ts';

/**
 * Redis key of the dead-letter entries `checkout-rebuild dlq replay` already replayed, in
 * both layouts (one key, never read with others):
 *
 * | key                            | type | holds                                             |
 * |--------------------------------|------|---------------------------------------------------|
 * | `<ns>:dlq-replayed:{<group>}`  | set  | `<dlq topic>:<partition>:<offset>` of each        |
 * |                                |      | dead-letter entry `dlq replay` re-produced        |
 *
 * No TTL: it is small (poison is rare) and forgetting it would replay entries twice.
 */
export function replayedSetKey(namespace: string, group: string): string {
  assertName('namespace', namespace);
  return `${namespace}:dlq-replayed:{${group}}`;
}

/** `<dlq topic>:<partition>:<offset>`: a set member. The topic keeps a re-created DLQ apart. */
export function replayedMember(
  dlqTopic: string,
  at: { partition: number; offset: string },
): string {
  return `${dlqTopic}:${at.partition}:${at.offset}`;
}

const CHUNK = 1000;

/** Which of `members` are in the set (SMISMEMBER, in chunks). */
export async function replayedAmong(
  redis: RedisConnection,
  key: string,
  members: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < members.length; start += CHUNK) {
    const chunk = members.slice(start, start + CHUNK);
    const flags = await withStoreError(() => redis.smismember(key, ...chunk), `read ${key}`);
    chunk.forEach((member, index) => {
      if (flags[index] === 1) found.add(member);
    });
  }
  return found;
}

export async function markReplayed(
  redis: RedisConnection,
  key: string,
  members: readonly string[],
): Promise<void> {
  for (let start = 0; start < members.length; start += CHUNK) {
    const chunk = members.slice(start, start + CHUNK);
    await withStoreError(() => redis.sadd(key, ...chunk), `write ${key}`);
  }
}
