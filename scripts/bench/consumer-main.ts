import { topicNames } from '@checkout/engine';
import { createKafka } from '@checkout/kafka';
import { connectRedisClient, createRedisClient } from '@checkout/redis';
import { consumeToHighWatermarks, type KafkaBatch } from './kafka-consumption.ts';
import { originalDesignHandler } from './original-design.ts';

/**
 * The bench's own consumers, (a) the limit and (b) the original design, each in a fresh child
 * process like the projector and the rebuild: every design starts cold (no JIT warm-up from
 * the bench process) and has its own peak RSS. Configured by `BENCH_CONSUMER` (JSON, below);
 * prints one JSON line with its timings (its own clock; the probe counts its Redis commands).
 */
export interface ConsumerConfig {
  /** `platformatic` (the same raw consumption, with @platformatic/kafka) is platformatic-main.ts. */
  mode: 'raw' | 'original' | 'platformatic';
  brokers: string[];
  groupId: string;
  prefix: string;
  /** Physical `"<topic>:<partition>"` → high watermark (decimal). */
  highs: Array<[string, string]>;
  redisUrl: string;
  namespace: string;
  ttlSeconds: number;
}

export interface ConsumerReport {
  records: number;
  /** Milliseconds since this process started: group joined, last record handled. */
  joinedMs: number;
  doneMs: number;
  /** CPU seconds (user + system) of this process from its start to the last record handled. */
  cpuSeconds: number;
}

const config = JSON.parse(process.env['BENCH_CONSUMER'] ?? 'null') as ConsumerConfig | null;
if (config === null) throw new Error('BENCH_CONSUMER is not set');
if (config.mode === 'platformatic') throw new Error('mode platformatic: run platformatic-main.ts');
const topics = topicNames(config.prefix);
const kafka = createKafka({
  brokers: config.brokers,
  clientId: 'checkout-bench',
  logLevel: 'error',
});
const redis =
  config.mode === 'original'
    ? createRedisClient(config.redisUrl, { connectionName: 'checkout-bench-original' })
    : undefined;
let handle: (batch: KafkaBatch) => Promise<void> = async () => {};
if (redis !== undefined) {
  await connectRedisClient(redis);
  const handler = originalDesignHandler({
    redis,
    topics,
    namespace: config.namespace,
    ttlSeconds: config.ttlSeconds,
  });
  handle = (batch) => handler.handle(batch);
}
try {
  const consumed = await consumeToHighWatermarks({
    kafka,
    groupId: config.groupId,
    topics: topics.physical,
    highs: new Map(config.highs.map(([field, high]) => [field, BigInt(high)])),
    handle,
  });
  const report: ConsumerReport = {
    records: consumed.records,
    joinedMs: consumed.joinedAt,
    doneMs: consumed.doneAt,
    cpuSeconds: consumed.cpuSecondsAtDone,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  redis?.disconnect();
}
// Nothing should linger after the disconnects; if a client does, the bench must not wait on it.
setTimeout(() => process.exit(), 2_000).unref();
