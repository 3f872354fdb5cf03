import { createInMemoryProjectionStore } from '@checkout/embedded';
import type { ProjectionStore } from '@checkout/engine';
import { isRetryable } from '@checkout/engine';
import {
  assertNoEviction,
  clusterLayout,
  connectRedisClient,
  createCheckoutReader,
  createRedisClient,
  createRedisClusterClient,
  createRedisProjectionStore,
  ensureLayoutRecord,
  readGenerationRecords,
  standaloneLayout,
  type KeyLayout,
  type RedisConnection,
} from '@checkout/redis';
import type { ProjectorConfig } from './config.ts';
import { embeddedQueries } from './embedded-queries.ts';
import type { CheckoutQueries } from './http-server.ts';
import type { Logger } from './logger.ts';
import type { ComponentState } from './readiness.ts';
import type { GenerationsView } from './status-report.ts';

export interface StoreRuntime {
  store: ProjectionStore;
  /**
   * A store whose keys depend on the topics' partition count (Redis Cluster) learns it here,
   * before the first batch: the source calls it once it knows the count.
   */
  prepare?: (partitions: number) => Promise<void>;
  queries: CheckoutQueries;
  readiness: () => ComponentState;
  /** The active generation and the rebuilds' generations, for `/status`. */
  generations: () => Promise<GenerationsView>;
  close(): Promise<void>;
}

export function embeddedStore(config: ProjectorConfig): StoreRuntime {
  const store = createInMemoryProjectionStore();
  return {
    store,
    queries: embeddedQueries(store, { currency: config.CHECKOUT_CURRENCY }),
    readiness: () => ({ ready: true }),
    // Nothing but the projector writes the in-process store: the base generation only.
    generations: async () => ({ active: null, generations: [] }),
    close: async () => {},
  };
}

/**
 * Snapshots and checkpoints in Redis, always in the generation readers currently see: a
 * blue/green switch by checkout-rebuild makes the next commit conflict, and the engine
 * resumes from the new generation's checkpoints.
 *
 * Redis being down at start is not fatal (the engine retries with backoff and /readyz says
 * so); a refused login or ACL is: it will not fix itself. Neither is a maxmemory-policy that
 * can evict the projector's keys (eviction-policy.ts in @checkout/redis): refused before the
 * first write, at start, or, when Redis was down at start, through `onFatal` as soon as it
 * is reachable.
 */
export async function redisStore(
  config: ProjectorConfig & { REDIS_URL: string },
  log: Logger,
  onFatal: (error: unknown) => void,
): Promise<StoreRuntime> {
  const url = config.REDIS_URL;
  const onError = (error: unknown) => log.warn({ err: error }, 'redis connection error');
  const ca = config.REDIS_TLS_CA_FILE?.pem;
  const tls = ca === undefined ? {} : { tls: { ca } };
  const redis: RedisConnection =
    config.REDIS_MODE === 'cluster'
      ? createRedisClusterClient(url, { seeds: config.REDIS_CLUSTER_SEEDS ?? [], onError, ...tls })
      : createRedisClient(url, { onError, ...tls });
  const namespace = config.REDIS_NAMESPACE;
  const checkEviction = async () => {
    const { policy, risk } = await assertNoEviction(redis, {
      ttlSeconds: config.SNAPSHOT_TTL_SECONDS,
      allowed: config.REDIS_ALLOW_EVICTION,
    });
    if (risk !== null) log.warn({ maxmemory_policy: policy }, `REDIS_ALLOW_EVICTION=true: ${risk}`);
  };
  try {
    await connectRedisClient(redis);
  } catch (error) {
    if (!isRetryable(error)) throw error;
    log.warn({ err: error }, 'Redis is not reachable yet; the projector keeps retrying');
  }
  if (redis.status === 'ready') await checkEviction();
  else redis.once('ready', () => void checkEviction().catch(onFatal));
  log.info(
    { namespace, mode: config.REDIS_MODE },
    'redis projection store (following the active generation)',
  );
  const storeOptions = {
    redis,
    group: config.KAFKA_GROUP_ID,
    namespace,
    ttlSeconds: config.SNAPSHOT_TTL_SECONDS,
    maxCommitBytes: config.REDIS_MAX_COMMIT_BYTES,
    followActiveGeneration: true,
  };
  const cluster = config.REDIS_MODE === 'cluster' ? laidOutLater() : undefined;
  /** The key layout; a cluster's is known once the topics' partition count is (`prepare`). */
  let laidOut: KeyLayout = standaloneLayout(namespace);
  return {
    store: cluster?.store ?? createRedisProjectionStore(storeOptions),
    ...(cluster === undefined
      ? {}
      : {
          prepare: async (partitions: number) => {
            const layout = clusterLayout(namespace, partitions);
            await ensureLayoutRecord(redis, layout);
            laidOut = layout;
            cluster.use(createRedisProjectionStore({ ...storeOptions, layout }));
            log.info({ namespace, partitions }, 'redis cluster layout: one hash tag per partition');
          },
        }),
    queries: createCheckoutReader({
      redis,
      namespace,
      config: { currency: config.CHECKOUT_CURRENCY },
      group: config.KAFKA_GROUP_ID,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
    }),
    generations: () =>
      readGenerationRecords(redis, { layout: laidOut, group: config.KAFKA_GROUP_ID }),
    readiness: () =>
      redis.status === 'ready'
        ? { ready: true }
        : { ready: false, reason: `redis ${redis.status}` },
    close: async () => {
      redis.disconnect();
    },
  };
}

/**
 * A store that exists once the topics' partition count is known (a cluster's keys depend on
 * it). Nothing calls it before: the source prepares the store before joining the group.
 */
function laidOutLater(): { store: ProjectionStore; use(store: ProjectionStore): void } {
  let inner: ProjectionStore | undefined;
  const ready = (): ProjectionStore => {
    if (inner === undefined) throw new Error('bug: the cluster store was used before prepare()');
    return inner;
  };
  return {
    store: {
      loadSnapshots: (sessionIds) => ready().loadSnapshots(sessionIds),
      loadCheckpoints: (partitions) => ready().loadCheckpoints(partitions),
      commit: (write) => ready().commit(write),
    },
    use(store) {
      inner = store;
    },
  };
}
