import type { SourceRecord } from '@checkout/engine';
import type { Batch } from 'kafkajs';
import { toSourceRecord } from './source-record.ts';

/**
 * The records of several partitions' batches as slices of at most `size`, merged in timestamp
 * order: each slice then covers the same stretch of time in every topic, so the events one
 * session had in several topics at about the same time land in the same slice and its
 * snapshot is loaded and written once for them.
 *
 * Each partition's records keep their order (a merge only ever takes the next record of a
 * partition), which is all the fold needs: it is deterministic across topic interleavings.
 * Timestamps that are out of order or unreadable only make the merge less useful, never wrong.
 */
export function* mergedSlices(batches: readonly Batch[], size: number): Generator<SourceRecord[]> {
  const [only] = batches;
  if (batches.length === 1 && only !== undefined) {
    for (let start = 0; start < only.messages.length; start += size) {
      yield only.messages
        .slice(start, start + size)
        .map((message) => toSourceRecord(only.topic, only.partition, message));
    }
    return;
  }
  const heads = batches.map((batch) => ({ batch, next: 0 }));
  let slice: SourceRecord[] = [];
  for (;;) {
    const head = earliestHead(heads);
    if (head === undefined) break;
    const { batch } = head;
    const message = batch.messages[head.next];
    head.next += 1;
    if (message === undefined) continue;
    slice.push(toSourceRecord(batch.topic, batch.partition, message));
    if (slice.length === size) {
      yield slice;
      slice = [];
    }
  }
  if (slice.length > 0) yield slice;
}

/** The partition whose next record is the oldest; ties go to the first batch. */
function earliestHead(heads: ReadonlyArray<{ batch: Batch; next: number }>) {
  let earliest: { batch: Batch; next: number } | undefined;
  let earliestTime = Infinity;
  for (const head of heads) {
    const message = head.batch.messages[head.next];
    if (message === undefined) continue;
    const time = Number(message.timestamp);
    if (earliest === undefined || time < earliestTime) {
      earliest = head;
      earliestTime = time;
    }
  }
  return earliest;
}
