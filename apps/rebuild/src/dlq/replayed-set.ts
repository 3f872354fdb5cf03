import { keyspace } from '@checkout/redis';
import type { Redis } from './clients.ts';
import type { DlqPosition } from './dead-letter-record.ts';

/**
 * Redis key of the dead-letter entries already replayed, next to the layout in
 * @checkout/redis keyspace.ts:
 *
 * | key                            | type | holds                                             |
 * |--------------------------------|------|---------------------------------------------------|
 * | `<ns>:dlq-replayed:{<group>}`  | set  | `<dlq topic>:<partition>:<offset>` of each        |
 * |                                |      | dead-letter entry `dlq replay` re-produced        |
 *
 * No TTL: it is small (poison is rare) and forgetting it would replay entries twice.
 */
export function replayedSetKey(namespace: string, group: string): string {
  keyspace(namespace); // validates the namespace
  return `${namespace}:dlq-replayed:{${group}}`;
}

/** `<dlq topic>:<partition>:<offset>`: a set member. The topic keeps a re-created DLQ apart. */
export function replayedMember(dlqTopic: string, at: DlqPosition): string {
  return `${dlqTopic}:${at.partition}:${at.offset}`;
}

const CHUNK = 1000;

/** Which of `members` are in the set (SMISMEMBER, in chunks). */
export async function replayedAmong(
  redis: Redis,
  key: string,
  members: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < members.length; start += CHUNK) {
    const chunk = members.slice(start, start + CHUNK);
    const flags = await redis.smismember(key, ...chunk);
    chunk.forEach((member, index) => {
      if (flags[index] === 1) found.add(member);
    });
  }
  return found;
}

export async function markReplayed(
  redis: Redis,
  key: string,
  members: readonly string[],
): Promise<void> {
  for (let start = 0; start < members.length; start += CHUNK) {
    await redis.sadd(key, ...members.slice(start, start + CHUNK));
  }
}
