import { createInMemoryProjectionStore } from '@checkout/embedded';
import type { ProjectionStore } from '@checkout/engine';
import { activeGeneration, createCheckoutReader, createRedisClient, createRedisProjectionStore } from '@checkout/redis';
import type { ProjectorConfig } from './config.ts';
import { embeddedQueries } from './embedded-queries.ts';
import type { CheckoutQueries } from './http-server.ts';
import type { Logger } from './logger.ts';
import type { ComponentState } from './readiness.ts';

export interface StoreRuntime {
  store: ProjectionStore;
  queries: CheckoutQueries;
  readiness: () => ComponentState;
  close(): Promise<void>;
}

export function embeddedStore(config: ProjectorConfig): StoreRuntime {
  const store = createInMemoryProjectionStore();
  return {
    store,
    queries: embeddedQueries(store, { currency: config.CHECKOUT_CURRENCY }),
    readiness: () => ({ ready: true }),
    close: async () => {},
  };
}

/** Snapshots and checkpoints in Redis, in the generation readers currently see. */
export async function redisStore(config: ProjectorConfig, log: Logger): Promise<StoreRuntime> {
  const url = config.REDIS_URL!;
  const redis = createRedisClient(url);
  redis.on('error', (error: unknown) => log.warn({ err: error }, 'redis connection error'));
  const namespace = config.REDIS_NAMESPACE;
  const generation = await activeGeneration(redis, { namespace }).catch(() => null);
  log.info({ generation: generation ?? 'base', namespace }, 'redis projection store');
  return {
    store: createRedisProjectionStore({
      redis,
      group: config.KAFKA_GROUP_ID,
      namespace,
      ttlSeconds: config.SNAPSHOT_TTL_SECONDS,
      ...(generation === null ? {} : { generation }),
    }),
    queries: createCheckoutReader({ redis, namespace, config: { currency: config.CHECKOUT_CURRENCY } }),
    readiness: () => (redis.status === 'ready' ? { ready: true } : { ready: false, reason: `redis ${redis.status}` }),
    close: async () => {
      redis.disconnect();
    },
  };
}
