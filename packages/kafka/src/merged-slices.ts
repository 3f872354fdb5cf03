import type { SourceRecord } from '@checkout/engine';
import type { Batch, KafkaMessage } from 'kafkajs';
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
  const heads = batches.flatMap((batch) => {
    const [first] = batch.messages;
    return first === undefined ? [] : [headAt0(batch, first)];
  });
  let slice: SourceRecord[] = [];
  for (let head = earliest(heads); head !== undefined; head = earliest(heads)) {
    const { batch } = head;
    slice.push(toSourceRecord(batch.topic, batch.partition, head.message));
    advance(heads, head);
    if (slice.length === size) {
      yield slice;
      slice = [];
    }
  }
  if (slice.length > 0) yield slice;
}

/** Where the merge stands in one batch: its next record and that record's time. */
interface Head {
  batch: Batch;
  next: number;
  message: KafkaMessage;
  time: number;
}

function headAt0(batch: Batch, message: KafkaMessage): Head {
  return { batch, next: 0, message, time: Number(message.timestamp) };
}

/** Moves past the head's record; a batch with none left leaves the merge. */
function advance(heads: Head[], head: Head): void {
  head.next += 1;
  const message = head.batch.messages[head.next];
  if (message === undefined) {
    heads.splice(heads.indexOf(head), 1);
    return;
  }
  head.message = message;
  head.time = Number(message.timestamp);
}

/** The head whose next record is the oldest; ties go to the first batch. */
function earliest(heads: readonly Head[]): Head | undefined {
  let found: Head | undefined;
  for (const head of heads) if (found === undefined || head.time < found.time) found = head;
  return found;
}
