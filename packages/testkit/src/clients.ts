import { Cluster, Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { onCleanup } from './cleanup.ts';

const kafkaLogLevels: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** Options for {@link createKafka}. */
export interface CreateKafkaOptions {
  /**
   * kafkajs retries per request.
   * @default 5 (kafkajs' own default)
   */
  retries?: number;
}

/**
 * A kafkajs client for tests. Its log level comes from `TESTKIT_KAFKAJS_LOG`
 * (`nothing|error|warn|info|debug`), `nothing` by default: tests fail through their assertions,
 * and a broker a test kills on purpose would otherwise print pages of connection errors.
 */
export function createKafka(
  brokers: string[],
  clientId: string,
  options: CreateKafkaOptions = {},
): Kafka {
  const level = kafkaLogLevels[process.env['TESTKIT_KAFKAJS_LOG'] ?? 'nothing'] ?? logLevel.NOTHING;
  return new Kafka({
    clientId,
    brokers,
    logLevel: level,
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
  });
}

/**
 * An ioredis client that quits when the test (or suite) ends, deleting the keys under
 * `keyPrefix` first when one is given.
 */
export function connectRedis(url: string, keyPrefix?: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  onCleanup(async () => {
    if (keyPrefix !== undefined && redis.status === 'ready')
      await deleteKeys(redis, `${keyPrefix}*`);
    redis.disconnect();
  });
  return redis;
}

/**
 * Deletes every key matching `pattern` (SCAN, never KEYS); on a cluster, on every master, one
 * key at a time (a page holds keys of many slots).
 */
export async function deleteKeys(redis: Redis | Cluster, pattern: string): Promise<void> {
  const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (redis instanceof Cluster) for (const key of keys) await redis.unlink(key);
      else if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}

/**
 * A cluster client for tests (reads from masters) that quits when the test ends, deleting the
 * keys of `namespace` in both layouts first (`<ns>:…` and `{<ns>:p<N>}:…`).
 */
export function connectRedisCluster(seeds: readonly string[], namespace?: string): Cluster {
  const nodes = seeds.map((seed) => {
    const [host = '127.0.0.1', port = '0'] = seed.split(':');
    return { host, port: Number(port) };
  });
  const redis = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 3 } });
  onCleanup(async () => {
    if (namespace !== undefined && redis.status === 'ready') {
      await deleteKeys(redis, `${namespace}:*`).catch(() => undefined);
      await deleteKeys(redis, `{${namespace}:p*`).catch(() => undefined);
    }
    redis.disconnect();
  });
  return redis;
}
