import type { DeadLetterEntry } from '@checkout/engine';
import { readAllRecords } from '@checkout/projector/testing';

/** `topic:partition:offset` of a record or of a dead-letter entry's original. */
export const coordinates = (original: { topic: string; partition: number; offset: string }) =>
  `${original.topic}:${original.partition}:${original.offset}`;

/** How many entries the dead-letter topic holds per original record. */
export async function deadLetterCopies(
  brokers: string[],
  dlqTopic: string,
): Promise<Map<string, number>> {
  const copies = new Map<string, number>();
  for (const record of await readAllRecords(brokers, [dlqTopic])) {
    const { original } = JSON.parse(record.value?.toString('utf8') ?? '{}') as DeadLetterEntry;
    copies.set(coordinates(original), (copies.get(coordinates(original)) ?? 0) + 1);
  }
  return copies;
}
