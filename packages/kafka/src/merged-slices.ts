import type { SourceRecord } from '@checkout/engine';
import type { Batch } from 'kafkajs';
import { toSourceRecord } from './source-record.ts';

/**
 * The records of several partitions (runs in offset order) as slices of at most `size`, merged in timestamp
 * order: each slice then covers the same stretch of time in every topic, so the events one
 * session had in several topics at about the same time land in the same slice and its
 * snapshot is loaded and written once for them.
 *
 * Each partition's records keep their order (a merge only ever takes the next record of a
 * partition), which is all the fold needs: it is deterministic across topic interleavings.
 * Timestamps that are out of order or unreadable only make the merge less useful, never wrong.
 */
export function* mergedSlices(
  runs: ReadonlyArray<readonly SourceRecord[]>,
  size: number,
): Generator<SourceRecord[]> {
  const heads = runs.flatMap((records) => {
    const [first] = records;
    return first === undefined ? [] : [{ records, next: 0, time: Number(first.timestamp) }];
  });
  let slice: SourceRecord[] = [];
  for (let head = earliest(heads); head !== undefined; head = earliest(heads)) {
    slice.push(head.records[head.next] as SourceRecord);
    advance(heads, head);
    if (slice.length === size) {
      yield slice;
      slice = [];
    }
  }
  if (slice.length > 0) yield slice;
}

/** The records of a partition's batch, as the engine takes them. */
export function recordsOf(batch: Batch): SourceRecord[] {
  return batch.messages.map((message) => toSourceRecord(batch.topic, batch.partition, message));
}

/** Where the merge stands in one run: its next record and that record's time. */
interface Head {
  records: readonly SourceRecord[];
  next: number;
  time: number;
}

/** Moves past the head's record; a run with none left leaves the merge. */
function advance(heads: Head[], head: Head): void {
  head.next += 1;
  const record = head.records[head.next];
  if (record === undefined) {
    heads.splice(heads.indexOf(head), 1);
    return;
  }
  head.time = Number(record.timestamp);
}

/** The head whose next record is the oldest; ties go to the first run. */
function earliest(heads: readonly Head[]): Head | undefined {
  let found: Head | undefined;
  for (const head of heads) if (found === undefined || head.time < found.time) found = head;
  return found;
}
