import { createHash, randomUUID } from 'node:crypto';
import { compareOffsets, lowerOffset, offsetAfter } from '@checkout/domain';
import { deadLetterKeyBytes } from '@checkout/engine';
import { readPartition } from '../session/read-partition.ts';
import { partitionForKey } from '@checkout/redis';
import type { Kafka } from './clients.ts';
import type { DeadLetterRecord } from './dead-letter-record.ts';
import type { DlqItem, ReplaySkip } from './select-dead-letters.ts';

/** An original record as its topic holds it. */
export interface OriginalRecord {
  key: Buffer | null;
  value: Buffer | null;
  /** Partitions of its topic now. */
  partitions: number;
}

/**
 * The original records of `items`, re-read from their topics at the entries' coordinates. An
 * entry missing from the result has no record there any more (retention deleted it, or the
 * topic was recreated). One throwaway consumer group per partition read, deleted afterwards.
 */
export async function readOriginals(
  kafka: Kafka,
  items: readonly DlqItem[],
  signal: AbortSignal,
): Promise<Map<DlqItem, OriginalRecord>> {
  const found = new Map<DlqItem, OriginalRecord>();
  if (items.length === 0) return found;
  const byPartition = Map.groupBy(
    items,
    ({ entry }) => `${entry.original.partition}\u0000${entry.original.topic}`,
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const group of byPartition.values()) {
      const [first] = group;
      if (first === undefined) continue;
      const { topic, partition } = first.entry.original;
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = metadata.topics[0]?.partitions.length ?? 0;
      const marks = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition);
      if (marks === undefined || partitions === 0) continue;
      const offsets = group.map(({ entry }) => entry.original.offset);
      const from = offsets.reduce(lowerOffset);
      const until = offsetAfter(offsets.reduce((a, b) => (compareOffsets(a, b) >= 0 ? a : b)));
      if (compareOffsets(until, marks.low) <= 0) continue; // every one of them is gone
      const wanted = new Set(offsets);
      const groupId = `checkout-rebuild-dlq-originals-${randomUUID()}`;
      const records = await readPartition(
        kafka,
        groupId,
        {
          ranges: new Map([
            [topic, { from: compareOffsets(from, marks.low) > 0 ? from : marks.low, until }],
          ]),
          partition,
          partitions,
          keep: (record) => wanted.has(record.offset),
        },
        signal,
      ).finally(() => admin.deleteGroups([groupId]).catch(() => undefined));
      const byOffset = new Map(records.map((record) => [record.offset, record]));
      for (const item of group) {
        const record = byOffset.get(item.entry.original.offset);
        if (record !== undefined)
          found.set(item, { key: record.key, value: record.value, partitions });
      }
    }
  } finally {
    await admin.disconnect();
  }
  return found;
}

/**
 * Why an entry must not be replayed, judged against the original record it names: anyone who
 * can write to the dead-letter topic could otherwise inject records into any partition through
 * an operator's replay. `undefined` when it may be.
 */
export function replayRefusal(
  entry: DeadLetterRecord,
  original: OriginalRecord | undefined,
): ReplaySkip | undefined {
  if (original === undefined) return 'original_gone';
  const key = deadLetterKeyBytes(entry.original);
  if (!sameBytes(key, original.key) || !sameValue(entry.original, original.value))
    return 'original_mismatch';
  // Where the default partitioner puts the key: a session's events stay on one partition.
  if (key === null || partitionForKey(key, original.partitions) !== entry.original.partition)
    return 'not_its_partition';
  return undefined;
}

function sameValue(original: DeadLetterRecord['original'], value: Buffer | null): boolean {
  if (original.value_truncated !== undefined) {
    return (
      value !== null &&
      value.length === original.value_truncated.bytes &&
      createHash('sha256').update(value).digest('hex') === original.value_truncated.sha256
    );
  }
  const carried =
    original.value === null
      ? null
      : Buffer.from(original.value, original.value_encoding === 'base64' ? 'base64' : 'utf8');
  return sameBytes(carried, value);
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}
