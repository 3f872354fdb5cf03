import { Consumer, type Message } from '@platformatic/kafka';
import { processCpuSeconds, type ConsumptionResult } from './kafka-consumption.ts';
import { parseTopicPartitionKey } from '@checkout/engine';

/**
 * Consumes the topics from the start to `highs` with @platformatic/kafka, settings as close to
 * the kafkajs limit's as this client allows: a consumer group (one member, so the assigner
 * does not matter), 256 KiB per partition and 2 MiB per fetch, 1 s max wait, the committed
 * offset or else the earliest (a fresh group: the earliest), and a commit after every fetch
 * (its `autocommit: true`: the offsets of each fetch response are committed once it is pushed;
 * the client's equivalent of committing each batch). The records are only counted. Stops by
 * itself once every partition reached its high watermark.
 */
export async function consumeWithPlatformatic(options: {
  brokers: readonly string[];
  groupId: string;
  topics: readonly string[];
  /** Physical `"<topic>:<partition>"` → high watermark (partitions with records only). */
  highs: ReadonlyMap<string, bigint>;
}): Promise<ConsumptionResult> {
  const startedAt = performance.now();
  const consumer = new Consumer({
    clientId: 'checkout-bench',
    bootstrapBrokers: [...options.brokers],
    groupId: options.groupId,
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3000,
    autocreateTopics: false,
  });
  const remaining = lastOffsetsByTopic(options.highs);
  let records = 0;
  let joinedAt = 0;
  let doneAt = 0;
  let cpuSecondsAtDone = 0;
  // Emitted once the SyncGroup answered (the assignment is known), like kafkajs's GROUP_JOIN.
  consumer.on('consumer:group:join', () => {
    if (joinedAt === 0) joinedAt = performance.now();
  });
  try {
    const stream = await consumer.consume({
      topics: [...options.topics],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: true,
      minBytes: 1,
      maxWaitTime: 1000,
      maxBytesPerPartition: 262_144,
      maxBytes: Number(process.env['BENCH_LIMIT_FETCH_BYTES'] ?? 2_097_152),
    });
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      // `data` rather than the async iterator: no promise per record, as little work as kafkajs's
      // eachBatch does per record.
      stream.on('data', (message: Message) => {
        records += 1;
        if (!reachedHigh(remaining, message)) return;
        if (remaining.size === 0 && doneAt === 0) {
          doneAt = performance.now();
          cpuSecondsAtDone = processCpuSeconds();
          resolve();
        }
      });
      if (remaining.size === 0) resolve();
    });
    // Closing the stream waits for the commit of the last fetch still in flight.
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return { records, joinedAt, doneAt, startedAt, cpuSecondsAtDone };
}

/** Topic → partition → offset of its last record, looked up per record without a string key. */
function lastOffsetsByTopic(highs: ReadonlyMap<string, bigint>): Map<string, Map<number, bigint>> {
  const byTopic = new Map<string, Map<number, bigint>>();
  for (const [field, high] of highs) {
    const tp = parseTopicPartitionKey(field);
    if (tp === undefined) continue;
    const partitions = byTopic.get(tp.topic) ?? new Map<number, bigint>();
    partitions.set(tp.partition, high - 1n);
    byTopic.set(tp.topic, partitions);
  }
  return byTopic;
}

/** Drops the message's partition from `remaining` once its last record arrived. */
function reachedHigh(remaining: Map<string, Map<number, bigint>>, message: Message): boolean {
  const partitions = remaining.get(message.topic);
  const last = partitions?.get(message.partition);
  if (partitions === undefined || last === undefined || message.offset < last) return false;
  partitions.delete(message.partition);
  if (partitions.size === 0) remaining.delete(message.topic);
  return true;
}
