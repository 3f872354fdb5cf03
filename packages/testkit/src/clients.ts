import { Redis } from 'ioredis';
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

/** Deletes every key matching `pattern` (SCAN, never KEYS). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
