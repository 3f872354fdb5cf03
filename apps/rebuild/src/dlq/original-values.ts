import { compareOffsets, lowerOffset, offsetAfter } from '@checkout/domain';
import { createHash, randomUUID } from 'node:crypto';
import { readPartition } from '../session/read-partition.ts';
import type { Kafka } from './clients.ts';
import type { DlqItem } from './select-dead-letters.ts';

/**
 * The original values of entries whose value was too large to carry (`value_truncated`,
 * @checkout/engine dead-letter.ts), re-read from their topics at the entries' coordinates and
 * checked against the recorded size and SHA-256. An entry missing from the result could not
 * be found as it was (retention deleted it, or the topic was recreated): it is not replayed.
 * One throwaway consumer group per partition read, deleted afterwards.
 */
export async function readOriginalValues(
  kafka: Kafka,
  items: readonly DlqItem[],
  signal: AbortSignal,
): Promise<Map<DlqItem, Buffer>> {
  const found = new Map<DlqItem, Buffer>();
  const truncated = items.filter(({ entry }) => entry.original.value_truncated !== undefined);
  if (truncated.length === 0) return found;
  const byPartition = Map.groupBy(
    truncated,
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
      const wanted = new Set(group.map(({ entry }) => entry.original.offset));
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
      const values = new Map(records.map((record) => [record.offset, record.value]));
      for (const item of group) {
        const value = values.get(item.entry.original.offset);
        const expected = item.entry.original.value_truncated;
        if (value != null && expected !== undefined && matches(value, expected))
          found.set(item, value);
      }
    }
  } finally {
    await admin.disconnect();
  }
  return found;
}

function matches(value: Buffer, expected: { bytes: number; sha256: string }): boolean {
  return (
    value.length === expected.bytes &&
    createHash('sha256').update(value).digest('hex') === expected.sha256
  );
}
