import { deleteKeys, onCleanup, uniqueNames } from '@checkout/testkit';
import {
  connectRedisClient,
  createRedisClient,
  type RedisClientOptions,
} from './create-redis-client.ts';
import { createRedisClusterClient } from './create-redis-cluster-client.ts';
import { clusterLayout, standaloneLayout, type KeyLayout } from './key-layout.ts';
import type { RedisConnection } from './redis-connection.ts';

/**
 * Test fixture: a connected fail-fast client and a namespace of its own. When the test ends,
 * every key under the namespace is deleted and the client disconnected.
 */
export async function redisFixture(
  url: string,
  label: string,
  options: RedisClientOptions = {},
): Promise<{ redis: ReturnType<typeof createRedisClient>; namespace: string }> {
  const namespace = uniqueNames(label).prefix;
  const redis = createRedisClient(url, { connectionName: `test-${label}`, ...options });
  onCleanup(() => deleteNamespace(redis, namespace));
  await connectRedisClient(redis);
  return { redis, namespace };
}

/** Where a parameterised test runs: a standalone Redis or the run's Redis Cluster. */
export interface StoreTarget {
  mode: 'standalone' | 'cluster';
  url: string;
  seeds?: readonly string[];
}

/**
 * Like {@link redisFixture}, on either layout: a client of the right kind and the layout of a
 * namespace of its own (a cluster laid out for `partitions`), cleaned up when the test ends.
 */
export async function layoutFixture(
  target: StoreTarget,
  label: string,
  partitions = 6,
): Promise<{ redis: RedisConnection; namespace: string; layout: KeyLayout }> {
  const namespace = uniqueNames(label).prefix;
  const options = { connectionName: `test-${label}` };
  const redis =
    target.mode === 'cluster'
      ? createRedisClusterClient(target.url, { ...options, seeds: target.seeds ?? [] })
      : createRedisClient(target.url, options);
  onCleanup(() => deleteNamespace(redis, namespace));
  await connectRedisClient(redis);
  const layout =
    target.mode === 'cluster' ? clusterLayout(namespace, partitions) : standaloneLayout(namespace);
  return { redis, namespace, layout };
}

/** Deletes every key of a namespace, in both layouts, on every primary; then disconnects. */
async function deleteNamespace(redis: RedisConnection, namespace: string): Promise<void> {
  if (redis.status === 'ready') {
    await deleteKeys(redis, `${namespace}:*`).catch(() => undefined);
    await deleteKeys(redis, `{${namespace}:p*`).catch(() => undefined);
  }
  redis.disconnect();
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
