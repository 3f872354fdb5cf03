import { deleteKeys, onCleanup, uniqueNames } from '@checkout/testkit';
import type { Redis } from 'ioredis';
import {
  connectRedisClient,
  createRedisClient,
  type RedisClientOptions,
} from './create-redis-client.ts';

/**
 * Test fixture: a connected fail-fast client and a namespace of its own. When the test ends,
 * every key under the namespace is deleted and the client disconnected.
 */
export async function redisFixture(
  url: string,
  label: string,
  options: RedisClientOptions = {},
): Promise<{ redis: Redis; namespace: string }> {
  const namespace = uniqueNames(label).prefix;
  const redis = createRedisClient(url, { connectionName: `test-${label}`, ...options });
  onCleanup(async () => {
    if (redis.status === 'ready') await deleteKeys(redis, `${namespace}:*`).catch(() => undefined);
    redis.disconnect();
  });
  await connectRedisClient(redis);
  return { redis, namespace };
}

/** Polls `probe` until it resolves (it is expected to throw while a server is coming back). */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
