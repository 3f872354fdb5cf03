import { keyspace, type createRedisClient } from '@checkout/redis';

/** The ioredis client `createRedisClient` returns (this app does not depend on ioredis itself). */
export type RedisClient = ReturnType<typeof createRedisClient>;

/** A generation's checkpoints of `group`: logical `"<topic>:<partition>"` → next offset. */
export async function readCheckpoints(
  redis: RedisClient,
  namespace: string,
  generation: string | null,
  group: string,
): Promise<Map<string, string>> {
  return new Map(
    Object.entries(await redis.hgetall(keyspace(namespace, generation).checkpoints(group))),
  );
}

/** `null` ↔ `base` in what operators read and type. */
export function generationName(id: string | null): string {
  return id ?? 'base';
}

export function parseGenerationName(name: string): string | null {
  return name === 'base' ? null : name;
}
