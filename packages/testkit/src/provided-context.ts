import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap servers of the run's shared broker, e.g. `["127.0.0.1:39092"]`. */
    kafkaBrokers: string[];
    /** The run's shared Redis, e.g. `redis://127.0.0.1:40123`. */
    redisUrl: string;
    /** The run's shared Redis Cluster: a seed URL and every node's `host:port`. */
    redisCluster: { url: string; seeds: string[] };
  }
}

export interface SharedInfrastructure {
  kafkaBrokers: string[];
  redisUrl: string;
  redisCluster: { url: string; seeds: string[] };
}

/** What the integration project's global setup started (or took from KAFKA_BROKERS / REDIS_URL). */
export function sharedInfrastructure(): SharedInfrastructure {
  return {
    kafkaBrokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    redisCluster: inject('redisCluster'),
  };
}
