import type { SourceRecord } from '@checkout/engine';
import { toSourceRecord } from '@checkout/kafka';
import { createKafka } from '@checkout/testkit';

/**
 * Every record of `topics` from the log start to the current high watermarks, read with a
 * group-less consumer: the ground truth the stored projection is compared with.
 */
export async function readAllRecords(
  brokers: string[],
  topics: readonly string[],
): Promise<SourceRecord[]> {
  const kafka = createKafka(brokers, 'read-all-records');
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  for (const topic of topics) {
    for (const partition of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(partition.high) > BigInt(partition.low))
        remaining.set(`${topic}:${partition.partition}`, BigInt(partition.high));
    }
  }
  await admin.disconnect();
  const records: SourceRecord[] = [];
  if (remaining.size === 0) return records;

  const consumer = kafka.consumer({
    groupId: `read-all-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    maxBytes: 64 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          const key = `${batch.topic}:${batch.partition}`;
          const high = remaining.get(key);
          for (const message of batch.messages) {
            if (high === undefined || BigInt(message.offset) >= high) continue;
            records.push(toSourceRecord(batch.topic, batch.partition, message));
          }
          const last = batch.messages.at(-1);
          if (high !== undefined && last !== undefined && BigInt(last.offset) + 1n >= high)
            remaining.delete(key);
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  records.sort((a, b) =>
    a.topic === b.topic
      ? a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))
      : a.topic < b.topic
        ? -1
        : 1,
  );
  return records;
}
