import { topicNames } from '@checkout/engine';
import type { ConsumerConfig, ConsumerReport } from './consumer-main.ts';
import { consumeWithPlatformatic } from './platformatic-consumption.ts';

/**
 * (k) the limit with @platformatic/kafka, in a fresh child process like (a): configured by the
 * same `BENCH_CONSUMER` JSON and printing the same report line as consumer-main.ts. A file of its
 * own so that neither child loads the other's Kafka client (nor this one ioredis): each peak RSS
 * is its own client's.
 */
const config = JSON.parse(process.env['BENCH_CONSUMER'] ?? 'null') as ConsumerConfig | null;
if (config === null) throw new Error('BENCH_CONSUMER is not set');
const consumed = await consumeWithPlatformatic({
  brokers: config.brokers,
  groupId: config.groupId,
  topics: topicNames(config.prefix).physical,
  highs: new Map(config.highs.map(([field, high]) => [field, BigInt(high)])),
});
const report: ConsumerReport = {
  records: consumed.records,
  joinedMs: consumed.joinedAt,
  doneMs: consumed.doneAt,
  cpuSeconds: consumed.cpuSecondsAtDone,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
// Nothing should linger after the close; if a socket does, the bench must not wait on it.
setTimeout(() => process.exit(), 2_000).unref();
