import { sharedInfrastructure } from '@checkout/testkit';
import type { HarnessInfrastructure } from './projector-harness.ts';

export interface StoreMode {
  mode: 'standalone' | 'cluster';
  infrastructure: HarnessInfrastructure;
}

/**
 * The run's Kafka with each store: its standalone Redis and its Redis Cluster (3 masters,
 * 3 replicas), for tests that must hold in both modes (`describe.each(storeModes())`).
 */
export function storeModes(): StoreMode[] {
  const { kafkaBrokers, redisUrl, redisCluster } = sharedInfrastructure();
  return [
    { mode: 'standalone', infrastructure: { brokers: kafkaBrokers, redisUrl } },
    {
      mode: 'cluster',
      infrastructure: {
        brokers: kafkaBrokers,
        redisUrl: redisCluster.url,
        redisCluster: { seeds: redisCluster.seeds },
      },
    },
  ];
}
