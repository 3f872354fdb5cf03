import { coPartitionedAssigner } from '@checkout/kafka';
import type { KafkaClient } from './produce-records.ts';

type Consumer = ReturnType<KafkaClient['consumer']>;
type EachBatch = NonNullable<NonNullable<Parameters<Consumer['run']>[0]>['eachBatch']>;
export type EachBatchPayload = Parameters<EachBatch>[0];
export type KafkaBatch = EachBatchPayload['batch'];

export interface ConsumptionResult {
  records: number;
  /** `performance.now()` when the consumer joined its group (GROUP_JOIN). */
  joinedAt: number;
  /** `performance.now()` when the last record's batch was handled and committed. */
  doneAt: number;
  startedAt: number;
  /** CPU seconds (user + system) this process had used when the last record was handled. */
  cpuSecondsAtDone: number;
}

/** CPU seconds (user + system) this process used since it started. */
export function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Consumes the topics from the start to `highs` with the projector's consumer settings (a
 * group, the co-partitioned assigner, 256 KiB per partition and 2 MiB per fetch, manual
 * resolve and commit after each batch, as runKafkaSource does) and hands every batch to
 * `handle`, one at a time (the projector overlaps up to three: with nothing to wait for,
 * overlapping gains nothing here). Stops by itself once every partition reached its high watermark.
 */
export async function consumeToHighWatermarks(options: {
  kafka: KafkaClient;
  groupId: string;
  topics: readonly string[];
  /** Physical `"<topic>:<partition>"` → high watermark (partitions with records only). */
  highs: ReadonlyMap<string, bigint>;
  handle: (batch: KafkaBatch) => Promise<void>;
}): Promise<ConsumptionResult> {
  const startedAt = performance.now();
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    partitionAssigners: [coPartitionedAssigner],
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3000,
    maxWaitTimeInMs: 1000,
    maxBytesPerPartition: 262_144,
    maxBytes: Number(process.env['BENCH_LIMIT_FETCH_BYTES'] ?? 2_097_152),
    allowAutoTopicCreation: false,
  });
  const remaining = new Map(options.highs);
  let records = 0;
  let joinedAt = 0;
  let doneAt = 0;
  let cpuSecondsAtDone = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (joinedAt === 0) joinedAt = performance.now();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    const finished = new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: async (payload) => {
            const { batch } = payload;
            const last = batch.messages.at(-1);
            if (last === undefined) return;
            await options.handle(batch);
            records += batch.messages.length;
            payload.resolveOffset(last.offset);
            await payload.commitOffsetsIfNecessary({
              topics: [
                {
                  topic: batch.topic,
                  partitions: [
                    { partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
                  ],
                },
              ],
            });
            const field = `${batch.topic}:${batch.partition}`;
            const high = remaining.get(field);
            if (high !== undefined && BigInt(last.offset) + 1n >= high) remaining.delete(field);
            if (remaining.size === 0 && doneAt === 0) {
              doneAt = performance.now();
              cpuSecondsAtDone = processCpuSeconds();
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return { records, joinedAt, doneAt, startedAt, cpuSecondsAtDone };
}
