import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectRedisClient, createRedisClient } from '@checkout/redis';
import { startKafkaBroker, startRedisServer } from '@checkout/testkit';

export interface BenchInfrastructure {
  brokers: string[];
  redisUrl: string;
  /** Where each server came from: `started` by the bench, or the environment variable. */
  kafkaSource: string;
  redisSource: string;
  kafkaVersion: string;
  redisVersion: string;
  stop(): Promise<void>;
}

/**
 * One Kafka broker and one Redis for the whole run: `BENCH_KAFKA_BROKERS` / `BENCH_REDIS_URL`
 * when set, else a private KRaft broker and redis-server started the way the integration tests
 * start theirs (testkit), stopped at the end.
 */
export async function startInfrastructure(
  log: (line: string) => void,
): Promise<BenchInfrastructure> {
  const givenBrokers = process.env['BENCH_KAFKA_BROKERS']?.trim();
  const givenRedis = process.env['BENCH_REDIS_URL']?.trim();
  const stops: Array<() => Promise<void>> = [];
  try {
    let brokers: string[];
    let kafkaVersion = 'unknown (external broker)';
    if (givenBrokers) {
      brokers = givenBrokers.split(',').map((broker) => broker.trim());
    } else {
      log('starting a Kafka broker (testkit; the jars come from Maven Central on first use)…');
      const flush = process.env['BENCH_KAFKA_FLUSH'] ?? 'each';
      const broker = await startKafkaBroker(brokerOptions(flush));
      stops.push(() => broker.stop());
      brokers = broker.brokers;
      kafkaVersion = `${brokerVersion(broker.dataDir)}, ${FLUSH_NAMES[flush]}`;
    }
    let redisUrl: string;
    if (givenRedis) {
      redisUrl = givenRedis;
    } else {
      log('starting redis-server (testkit)…');
      const redis = await startRedisServer({ persistence: 'none' });
      stops.push(() => redis.stop());
      redisUrl = redis.url;
    }
    const redisVersion = await serverVersion(redisUrl);
    return {
      brokers,
      redisUrl,
      kafkaSource: givenBrokers ? 'BENCH_KAFKA_BROKERS' : 'started',
      redisSource: givenRedis ? 'BENCH_REDIS_URL' : 'started',
      kafkaVersion,
      redisVersion,
      async stop() {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * BENCH_KAFKA_FLUSH: `each` (@default) fsyncs every append, as the tests' single-node broker
 * does so that a SIGKILL loses no acknowledged record; `os` is Kafka's own default, where the
 * OS writes the pages back and durability comes from replication, as on a production cluster.
 */
function brokerOptions(flush: string): Parameters<typeof startKafkaBroker>[0] {
  if (flush === 'each') return {};
  if (flush !== 'os') throw new Error(`BENCH_KAFKA_FLUSH: each or os (got ${flush})`);
  return { files: { 'extra.properties': `log.flush.interval.messages=${LONG_MAX}\n` } };
}

const FLUSH_NAMES: Record<string, string> = {
  each: 'fsync every append',
  os: 'OS flush (Kafka default)',
};

/** Kafka's default of log.flush.interval.messages: never by count. */
const LONG_MAX = '9223372036854775807';

/**
 * The broker logs `Kafka version: x.y.z` at start (AppInfoParser) when its log level lets it;
 * else it is the version scripts/kafka/fetch.sh runs (KAFKA_VERSION or its default).
 */
function brokerVersion(dataDir: string): string {
  const logged = /Kafka version: (\S+)/.exec(readText(join(dataDir, 'server.log')))?.[1];
  if (logged !== undefined) return logged;
  const fetchScript = readText(fileURLToPath(new URL('../kafka/fetch.sh', import.meta.url)));
  const fallback = /KAFKA_VERSION:-([^}]+)\}/.exec(fetchScript)?.[1];
  return process.env['KAFKA_VERSION'] ?? fallback ?? 'unknown';
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function serverVersion(url: string): Promise<string> {
  const redis = createRedisClient(url, { connectionName: 'checkout-bench' });
  try {
    await connectRedisClient(redis);
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}
