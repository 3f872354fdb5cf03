import { randomUUID } from 'node:crypto';
import { compareOffsets, offsetAfter } from '@checkout/domain';
import { EngineError } from '@checkout/engine';
import type { Kafka } from 'kafkajs';
import { KAFKA_CLIENT_RETRY } from './kafka-config.ts';
import { readChangelogRecord, type ChangelogRecord } from './changelog-records.ts';
import { fetchWatermarks } from './topic-layout.ts';

export interface ChangelogEntry {
  record: ChangelogRecord;
  offset: string;
}

export interface ChangelogRead {
  topic: string;
  partitions: readonly number[];
  /** Where to start each partition (absent: its log start). */
  from?: ReadonlyMap<number, string>;
  /** Group id prefix of the throwaway consumer (deleted after). */
  groupPrefix: string;
  /**
   * Every committed record of a fetched batch, in offset order (awaited: back-pressure). A throw
   * ends the read: readChangelog rejects with it.
   */
  onRecords(partition: number, records: ChangelogEntry[]): Promise<void> | void;
  signal?: AbortSignal;
  /**
   * Bytes one fetch brings per partition, and in all. A restore reads whole partitions of
   * documents of a few KB: large fetches mean few round trips. @default kafkajs' (1 MiB, 10 MiB)
   */
  fetchBytes?: { perPartition: number; total: number };
}

/**
 * Reads changelog partitions from a start to the high watermark seen when called, read
 * committed (aborted transactions, e.g. a fenced member's, are never seen), with a
 * throwaway consumer group whose other partitions are paused.
 */
export async function readChangelog(kafka: Kafka, read: ChangelogRead): Promise<void> {
  const admin = kafka.admin({ retry: { ...KAFKA_CLIENT_RETRY } });
  await admin.connect();
  const groupId = `${read.groupPrefix}.${randomUUID()}`;
  try {
    // Else kafkajs retries "does not host this topic-partition" for seconds, then says only that.
    if (!(await admin.listTopics()).includes(read.topic)) {
      throw new EngineError(
        'CONFIGURATION',
        `The snapshot changelog topic ${read.topic} does not exist: SNAPSHOT_CHANGELOG_TOPIC must name ` +
          'the topic the projector publishes to (the projector creates it).',
        { canRetry: false, context: { topic: read.topic } },
      );
    }
    const marks = await fetchWatermarks(admin, [read.topic]);
    const remaining = new Map<number, { from: string; until: string }>();
    for (const partition of read.partitions) {
      const mark = marks.get(`${read.topic}:${partition}`);
      if (mark === undefined) continue;
      const wanted = read.from?.get(partition);
      const from = wanted !== undefined && compareOffsets(wanted, mark.low) > 0 ? wanted : mark.low;
      if (compareOffsets(mark.high, from) > 0) remaining.set(partition, { from, until: mark.high });
    }
    if (remaining.size > 0) await consume(kafka, groupId, read, remaining, marks.size);
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

async function consume(
  kafka: Kafka,
  groupId: string,
  read: ChangelogRead,
  remaining: Map<number, { from: string; until: string }>,
  partitionCount: number,
): Promise<void> {
  const { topic } = read;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    ...(read.fetchBytes === undefined
      ? {}
      : { maxBytesPerPartition: read.fetchBytes.perPartition, maxBytes: read.fetchBytes.total }),
    // A failure (a broker gone past the retries, onRecords refusing a record) ends the read
    // instead of kafkajs restarting the consumer, which would read the same batch again forever.
    retry: { ...KAFKA_CLIENT_RETRY, restartOnFailure: async () => false },
  });
  const { CRASH, GROUP_JOIN, START_BATCH_PROCESS } = consumer.events;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (error: unknown) => {
        failed = true;
        read.signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = () => fail(new Error('interrupted while reading the changelog'));
      read.signal?.addEventListener('abort', onAbort, { once: true });
      consumer.on(CRASH, ({ payload }) => fail(payload.error));
      const advance = (partition: number, next: string) => {
        const range = remaining.get(partition);
        if (range === undefined) return;
        if (compareOffsets(next, range.from) > 0) range.from = next;
        if (compareOffsets(range.from, range.until) >= 0) {
          remaining.delete(partition);
          consumer.pause([{ topic, partitions: [partition] }]);
          if (remaining.size === 0) {
            read.signal?.removeEventListener('abort', onAbort);
            resolve();
          }
        }
      };
      consumer.on(GROUP_JOIN, () => {
        const others = Array.from({ length: partitionCount }, (_, p) => p).filter(
          (p) => !remaining.has(p),
        );
        if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
        for (const [partition, { from }] of remaining)
          consumer.seek({ topic, partition, offset: from });
      });
      // Batches of transaction markers only never reach eachBatch.
      consumer.on(START_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize === 0) advance(payload.partition, offsetAfter(payload.lastOffset));
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const range = remaining.get(batch.partition);
            if (range === undefined || failed) return;
            const entries: ChangelogEntry[] = [];
            for (const message of batch.messages) {
              if (compareOffsets(message.offset, range.from) < 0) continue;
              if (compareOffsets(message.offset, range.until) >= 0) break;
              entries.push({
                record: readChangelogRecord(message.key, message.value, message.headers),
                offset: message.offset,
              });
              range.from = offsetAfter(message.offset);
            }
            try {
              if (entries.length > 0) await read.onRecords(batch.partition, entries);
            } catch (error) {
              fail(error);
              return;
            }
            advance(batch.partition, offsetAfter(batch.lastOffset()));
          },
        })
        .catch(fail);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/**
 * The last marker of each partition: every transaction ends with one, so it sits near the log
 * end; read a tail, and the whole partition only when the tail holds none.
 */
export async function readLastMarkers(
  kafka: Kafka,
  options: { topic: string; partitions: readonly number[]; groupPrefix: string },
): Promise<Map<number, Map<string, string>>> {
  const markers = new Map<number, Map<string, string>>();
  const collect = (partition: number, entries: readonly ChangelogEntry[]) => {
    for (const { record } of entries)
      if (record.kind === 'marker') markers.set(partition, record.positions);
  };
  const admin = kafka.admin({ retry: { ...KAFKA_CLIENT_RETRY } });
  await admin.connect();
  let tails: Map<number, string>;
  try {
    const marks = await fetchWatermarks(admin, [options.topic]);
    tails = new Map(
      options.partitions.map((partition) => {
        const high = BigInt(marks.get(`${options.topic}:${partition}`)?.high ?? '0');
        return [partition, String(high > TAIL ? high - TAIL : 0n)];
      }),
    );
  } finally {
    await admin.disconnect();
  }
  await readChangelog(kafka, { ...options, from: tails, onRecords: collect });
  const missing = options.partitions.filter((p) => !markers.has(p) && tails.get(p) !== '0');
  if (missing.length > 0)
    await readChangelog(kafka, { ...options, partitions: missing, onRecords: collect });
  return markers;
}

/** Records read from the end for the last marker: a transaction's control record and a few more. */
const TAIL = 64n;
