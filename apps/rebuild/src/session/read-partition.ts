import { compareOffsets, offsetAfter } from '@checkout/domain';
import type { SourceRecord } from '@checkout/engine';
import { toSourceRecord } from '@checkout/kafka';
import { CliError } from '../cli-error.ts';
import type { KafkaClient } from '../kafka-admin.ts';

export interface PartitionRead {
  /** Physical topic → [from, until): next offset to read, and where to stop. */
  ranges: ReadonlyMap<string, { from: string; until: string }>;
  partition: number;
  /** Every other partition of the topics is paused, never fetched. */
  partitions: number;
  /** Keep only the records this returns true for (cheap: called before any parsing). */
  keep(record: SourceRecord): boolean;
}

/** A partition that makes no progress for this long fails the read. */
const STALL_MS = 60_000;

/**
 * Reads one partition of several topics over given offset ranges (`--session`), with a
 * throwaway consumer group whose other partitions are paused: a session's history costs one
 * partition's worth of fetching, not the whole topics'. Committing nothing; the caller deletes
 * the group.
 */
export async function readPartition(
  kafka: KafkaClient,
  groupId: string,
  read: PartitionRead,
  signal: AbortSignal,
): Promise<SourceRecord[]> {
  // Per topic: the next offset wanted (it only grows, so a batch delivered twice adds nothing).
  const remaining = new Map(
    [...read.ranges]
      .filter(([, { from, until }]) => compareOffsets(until, from) > 0)
      .map(([topic, range]) => [topic, { ...range }]),
  );
  const records: SourceRecord[] = [];
  if (remaining.size === 0) return records;
  const topics = [...read.ranges.keys()];
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  const { GROUP_JOIN, START_BATCH_PROCESS } = consumer.events;
  let lastProgress = Date.now();

  /** Moves the topic's position forward to `next` (never back) and finishes it at its end. */
  function advance(topic: string, next: string, resolve: () => void): void {
    const range = remaining.get(topic);
    if (range === undefined) return;
    if (compareOffsets(next, range.from) > 0) range.from = next;
    lastProgress = Date.now();
    if (compareOffsets(range.from, range.until) >= 0) {
      remaining.delete(topic);
      consumer.pause([{ topic, partitions: [read.partition] }]);
      if (remaining.size === 0) resolve();
    }
  }

  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const watchdog = setInterval(() => {
        if (signal.aborted)
          fail(new CliError('interrupted', 'Interrupted while reading the session.'));
        else if (Date.now() - lastProgress > STALL_MS) {
          fail(
            new Error(`No progress reading partition ${read.partition} for ${STALL_MS / 1000} s`),
          );
        }
      }, 500);
      const done = () => {
        clearInterval(watchdog);
        resolve();
      };
      const fail = (error: unknown) => {
        clearInterval(watchdog);
        reject(error);
      };
      consumer.on(GROUP_JOIN, () => {
        const others = Array.from({ length: read.partitions }, (_, p) => p).filter(
          (p) => p !== read.partition,
        );
        if (others.length > 0)
          consumer.pause(topics.map((topic) => ({ topic, partitions: others })));
        for (const [topic, { from }] of remaining)
          consumer.seek({ topic, partition: read.partition, offset: from });
      });
      // Batches of transaction markers only never reach eachBatch.
      consumer.on(START_BATCH_PROCESS, ({ payload }) => {
        if (payload.partition === read.partition && payload.batchSize === 0) {
          advance(payload.topic, offsetAfter(payload.lastOffset), done);
        }
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const range = remaining.get(batch.topic);
            if (batch.partition !== read.partition || range === undefined) return;
            for (const message of batch.messages) {
              const offset = message.offset;
              if (compareOffsets(offset, range.from) < 0) continue;
              if (compareOffsets(offset, range.until) >= 0) break;
              const record = toSourceRecord(batch.topic, batch.partition, message);
              if (read.keep(record)) records.push(record);
              range.from = offsetAfter(offset);
            }
            advance(batch.topic, offsetAfter(batch.lastOffset()), done);
          },
        })
        .catch(fail);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return records.sort((a, b) =>
    a.topic === b.topic ? compareOffsets(a.offset, b.offset) : a.topic < b.topic ? -1 : 1,
  );
}
