import {
  clusterLayout,
  connectRedisClient,
  createRedisClient,
  createRedisClusterClient,
  readCheckpoints,
  standaloneLayout,
  type KeyLayout,
  type RedisConnection,
} from '@checkout/redis';
import { startRedisCluster } from '@checkout/testkit';
import { commandStats, type CommandCounts, type RedisClient } from './redis-stats.ts';

/**
 * Where a phase of the projector or the rebuild stores: the standalone Redis, or the Redis
 * Cluster (3 masters, 3 replicas, started by the bench). The phases are written once against
 * it; what differs is the child's environment, the key layout and that server-side figures
 * (INFO commandstats, cpu, memory, keys) are summed over the masters.
 */
export interface BenchStore {
  mode: 'standalone' | 'cluster';
  /** REDIS_URL, and REDIS_MODE with the seeds for the cluster. */
  env: Record<string, string>;
  /** A client of the whole store (a cluster client in cluster mode). */
  client: RedisConnection;
  /** One plain client per server that holds keys: the Redis, or each master. */
  servers: ReadonlyArray<{ name: string; redis: RedisClient }>;
  layout(namespace: string): KeyLayout;
  stop(): Promise<void>;
}

export function standaloneStore(url: string, redis: RedisClient): BenchStore {
  return {
    mode: 'standalone',
    env: { REDIS_URL: url },
    client: redis,
    servers: [{ name: 'redis', redis }],
    layout: (namespace) => standaloneLayout(namespace),
    stop: async () => undefined,
  };
}

/** A fresh cluster for the bench's cluster phases, laid out for topics of `partitions`. */
export async function startClusterStore(partitions: number): Promise<BenchStore> {
  const cluster = await startRedisCluster();
  const opened: RedisConnection[] = [];
  try {
    const client = createRedisClusterClient(cluster.url, {
      seeds: cluster.seeds,
      connectionName: 'checkout-bench',
      commandTimeoutMs: 60_000,
    });
    opened.push(client);
    await connectRedisClient(client);
    const { masters } = await cluster.topology();
    const servers = [];
    for (const master of [...masters].sort((a, b) => a.port - b.port)) {
      const redis = createRedisClient(`redis://127.0.0.1:${master.port}`, {
        connectionName: 'checkout-bench',
        commandTimeoutMs: 60_000,
      });
      opened.push(redis);
      await connectRedisClient(redis);
      servers.push({ name: `master :${master.port}`, redis });
    }
    return {
      mode: 'cluster',
      env: {
        REDIS_URL: cluster.url,
        REDIS_MODE: 'cluster',
        REDIS_CLUSTER_SEEDS: cluster.seeds.join(','),
      },
      client,
      servers,
      layout: (namespace) => clusterLayout(namespace, partitions),
      async stop() {
        for (const connection of opened) connection.disconnect();
        await cluster.stop();
      },
    };
  } catch (error) {
    for (const connection of opened) connection.disconnect();
    await cluster.stop();
    throw error;
  }
}

/** INFO commandstats summed over the store's servers. */
export async function storeCommandStats(store: BenchStore): Promise<CommandCounts> {
  const sum: CommandCounts = new Map();
  for (const { redis } of store.servers) {
    for (const [name, value] of await commandStats(redis))
      sum.set(name, (sum.get(name) ?? 0) + value);
  }
  return sum;
}

/** Seconds of CPU the store's servers used so far (INFO cpu, user + system, summed). */
export async function storeCpuSeconds(store: BenchStore): Promise<number> {
  let seconds = 0;
  for (const { redis } of store.servers) {
    const info = await redis.info('cpu');
    for (const match of info.matchAll(/^used_cpu_(?:sys|user):([\d.]+)/gm))
      seconds += Number(match[1]);
  }
  return seconds;
}

/** The stored checkpoints of a group (logical fields), every shard of the layout read. */
export function storedCheckpoints(
  store: BenchStore,
  namespace: string,
  generation: string | null,
  group: string,
): Promise<Map<string, string>> {
  return readCheckpoints(store.client, store.layout(namespace), generation, group);
}

/**
 * Deletes every key of a namespace on every server (SCAN + UNLINK one key per call: keys of
 * different tags may not share a command in a cluster), so phases do not pile data up.
 */
export async function deleteNamespace(store: BenchStore, namespace: string): Promise<number> {
  let removed = 0;
  // Cluster keys start with the tag `{<ns>:p<N>}`, the rest (layout, generations) with `<ns>:`.
  for (const pattern of [`${namespace}:*`, `{${namespace}:*`]) {
    for (const { redis } of store.servers) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) {
          const pipeline = redis.pipeline();
          for (const key of keys) pipeline.unlink(key);
          removed += (await pipeline.exec())?.length ?? 0;
        }
        cursor = next;
      } while (cursor !== '0');
    }
  }
  return removed;
}
