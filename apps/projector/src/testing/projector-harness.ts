import { CHECKOUT_TOPICS } from '@checkout/domain';
import { topicNames, type TopicNames } from '@checkout/engine';
import {
  clusterLayout,
  standaloneLayout,
  type KeyLayout,
  type RedisConnection,
} from '@checkout/redis';
import {
  connectRedis,
  connectRedisCluster,
  createTopics,
  findFreePort,
  onCleanup,
  uniqueNames,
  type TestNames,
} from '@checkout/testkit';
import { spawnProjector, type ProjectorProcess } from './projector-process.ts';

/** Kafka and the Redis a harness runs on; `redisCluster` runs the projectors in cluster mode. */
export interface HarnessInfrastructure {
  brokers: string[];
  /** A standalone Redis, or a seed node of the cluster. */
  redisUrl: string;
  /** Every node of a Redis Cluster (`host:port`): REDIS_MODE=cluster. */
  redisCluster?: { seeds: readonly string[] } | undefined;
}

/** One isolated projector deployment on shared (or a test's own) Kafka and Redis. */
export interface ProjectorHarness {
  names: TestNames;
  topics: TopicNames;
  dlqTopic: string;
  namespace: string;
  group: string;
  /** A plain client of the harness' Redis (a cluster client in cluster mode). */
  redis: RedisConnection;
  /** Where the projectors' keys are: standalone, or the cluster layout for `partitions`. */
  layout: KeyLayout;
  brokers: string[];
  redisUrl: string;
  /** The projector's Redis settings (REDIS_URL, and REDIS_MODE with its seeds for a cluster). */
  redisEnv: Record<string, string>;
  /** Starts a projector process (killed at cleanup) and waits until it is ready unless told not to. */
  start(
    extraEnv?: Record<string, string>,
    options?: { waitUntilReady?: boolean },
  ): Promise<ProjectorProcess & { port: number }>;
}

/**
 * A consumer group that notices a dead member within seconds (the broker's minimum session
 * timeout is 6 s), for tests that SIGKILL projectors: a restarted member's join waits until
 * the killed one's session has expired.
 */
export const FAST_GROUP_ENV: Readonly<Record<string, string>> = {
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
};

/**
 * Fetches of a few hundred records, for tests that must stop a projector mid-stream: with the
 * default fetch sizes one group of batches can store thousands of records at once.
 */
export const SMALL_FETCHES: Readonly<Record<string, string>> = {
  KAFKA_FETCH_MAX_BYTES: '16384',
  KAFKA_FETCH_PARTITION_MAX_BYTES: '4096',
};

export async function projectorHarness(
  label: string,
  infrastructure: HarnessInfrastructure,
  partitions = 3,
  /** Environment of every projector this harness starts (each start may add to it). */
  defaultEnv: Record<string, string> = {},
): Promise<ProjectorHarness> {
  const names = uniqueNames(label);
  const topics = topicNames(`${names.prefix}.`);
  const dlqTopic = names.topic('checkout-events-dlq');
  await createTopics(
    infrastructure.brokers,
    [...CHECKOUT_TOPICS.map((topic) => topics.toPhysical(topic)), dlqTopic],
    partitions,
  );
  const namespace = names.prefix;
  const group = names.groupId('projector');
  const cluster = infrastructure.redisCluster;
  const redis =
    cluster === undefined
      ? connectRedis(infrastructure.redisUrl, namespace)
      : connectRedisCluster(cluster.seeds, namespace);
  // Tests stop and kill Redis on purpose; its client reconnects by itself meanwhile.
  redis.on('error', () => {});
  const redisEnv: Record<string, string> =
    cluster === undefined
      ? { REDIS_URL: infrastructure.redisUrl }
      : {
          REDIS_URL: infrastructure.redisUrl,
          REDIS_MODE: 'cluster',
          REDIS_CLUSTER_SEEDS: cluster.seeds.join(','),
        };
  return {
    names,
    topics,
    dlqTopic,
    namespace,
    group,
    redis,
    layout:
      cluster === undefined ? standaloneLayout(namespace) : clusterLayout(namespace, partitions),
    brokers: infrastructure.brokers,
    redisUrl: infrastructure.redisUrl,
    redisEnv,
    async start(extraEnv = {}, options = {}) {
      const port = await findFreePort();
      const projector = spawnProjector({
        KAFKA_BROKERS: infrastructure.brokers.join(','),
        KAFKA_GROUP_ID: group,
        KAFKA_TOPIC_PREFIX: `${names.prefix}.`,
        ...redisEnv,
        REDIS_NAMESPACE: namespace,
        DLQ_TOPIC: dlqTopic,
        HTTP_PORT: String(port),
        ...defaultEnv,
        ...extraEnv,
      });
      onCleanup(async () => {
        projector.kill('SIGKILL');
        await projector.exited;
      });
      if (options.waitUntilReady ?? true) await projector.waitUntilReady(port);
      return Object.assign(projector, { port });
    },
  };
}
