import type { TestProject } from 'vitest/node';
import { dockerMayBeAvailable, startKafkaContainer } from './kafka-container.ts';
import { startKafkaBroker } from './kafka-broker.ts';
import { startRedisCluster } from './redis-cluster.ts';
import { startRedisServer } from './redis-server.ts';

type Stop = () => Promise<void>;

/**
 * vitest `globalSetup` of the `integration` project: one Kafka broker and one Redis per run,
 * handed to tests through `inject('kafkaBrokers')` / `inject('redisUrl')`.
 *
 * Kafka, first that applies:
 * 1. `KAFKA_BROKERS` (comma-separated), used as is;
 * 2. a Docker engine is reachable (and `TESTKIT_KAFKA` is not `local`): an `apache/kafka`
 *    container through testcontainers;
 * 3. a local broker through scripts/kafka/run-broker.sh (needs Java 17+; the jars come from
 *    Maven Central on first use, or earlier through `bash scripts/kafka/fetch.sh`).
 * Redis: `REDIS_URL`, else the machine's `redis-server` on a free port.
 * Redis Cluster: `REDIS_CLUSTER_URL` (a seed; `REDIS_CLUSTER_SEEDS` for more), else six
 * `redis-server --cluster-enabled yes` on free ports, 3 masters and 3 replicas (about 3 s on
 * two cores, beside the broker's start).
 *
 * Tests isolate themselves on these shared servers with `uniqueNames()`. A test that kills or
 * restarts a server starts its own with startKafkaBroker/startRedisServer.
 * The `ProvidedContext` keys are declared in provided-context.ts.
 */
export default async function setup(project: TestProject): Promise<Stop> {
  const [kafka, redis, cluster] = await Promise.allSettled([
    provideKafka(),
    provideRedis(),
    provideRedisCluster(),
  ]);
  const stops = [kafka, redis, cluster].flatMap((r) =>
    r.status === 'fulfilled' && r.value.stop ? [r.value.stop] : [],
  );
  const teardown: Stop = async () => {
    for (const stop of stops) await stop();
  };
  if (kafka.status === 'rejected' || redis.status === 'rejected' || cluster.status === 'rejected') {
    await teardown();
    const reasons = [kafka, redis, cluster].flatMap((r) =>
      r.status === 'rejected' ? [r.reason] : [],
    );
    throw reasons.length === 1
      ? reasons[0]
      : new AggregateError(reasons, 'testkit: Kafka and Redis failed to start');
  }
  project.provide('kafkaBrokers', kafka.value.brokers);
  project.provide('redisUrl', redis.value.url);
  project.provide('redisCluster', { url: cluster.value.url, seeds: cluster.value.seeds });
  if (process.env['TESTKIT_VERBOSE'] === '1') {
    console.info(
      `testkit: Kafka ${kafka.value.brokers.join(',')} (${kafka.value.source}), ` +
        `Redis ${redis.value.url} (${redis.value.source}), ` +
        `Redis Cluster ${cluster.value.seeds.join(',')} (${cluster.value.source})`,
    );
  }
  return teardown;
}

interface Provided {
  source: string;
  stop?: Stop;
}

async function provideKafka(): Promise<Provided & { brokers: string[] }> {
  const given = process.env['KAFKA_BROKERS'];
  if (given !== undefined && given.trim() !== '') {
    return { source: 'KAFKA_BROKERS', brokers: given.split(',').map((b) => b.trim()) };
  }
  if (process.env['TESTKIT_KAFKA'] !== 'local' && dockerMayBeAvailable()) {
    const container = await startKafkaContainer();
    if (container !== undefined) {
      return { source: 'docker', brokers: container.brokers, stop: () => container.stop() };
    }
  }
  const broker = await startKafkaBroker();
  return {
    source: `run-broker.sh, ${broker.dataDir}`,
    brokers: broker.brokers,
    stop: () => broker.stop(),
  };
}

async function provideRedis(): Promise<Provided & { url: string }> {
  const given = process.env['REDIS_URL'];
  if (given !== undefined && given.trim() !== '') return { source: 'REDIS_URL', url: given };
  const server = await startRedisServer();
  return { source: `redis-server, ${server.dataDir}`, url: server.url, stop: () => server.stop() };
}

async function provideRedisCluster(): Promise<Provided & { url: string; seeds: string[] }> {
  const given = process.env['REDIS_CLUSTER_URL'];
  if (given !== undefined && given.trim() !== '') {
    const seeds = (process.env['REDIS_CLUSTER_SEEDS'] ?? '').split(',').filter(Boolean);
    return { source: 'REDIS_CLUSTER_URL', url: given, seeds };
  }
  const cluster = await startRedisCluster();
  return {
    source: 'redis-server --cluster-enabled yes ×6',
    url: cluster.url,
    seeds: [...cluster.seeds],
    stop: () => cluster.stop(),
  };
}
