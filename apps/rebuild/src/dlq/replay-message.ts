import { deadLetterHeaderBytes, deadLetterKeyBytes } from '@checkout/engine';
import type { ProducerMessage } from './clients.ts';
import type { DeadLetterRecord, DlqPosition } from './dead-letter-record.ts';

/** Header on a replayed record: where its dead-letter entry sits (`<dlq partition>:<offset>`). */
export const REPLAYED_FROM_HEADER = 'x-dlq-replayed-from';

export interface ReplayRecord {
  topic: string;
  message: ProducerMessage & { partition: number };
}

/**
 * The original record again, as it was produced: same topic and partition (co-partitioning:
 * a session's events stay on one consumer whatever partitioner the original producer used),
 * same key, value bytes (base64-decoded when they were not UTF-8) and headers, plus
 * `x-dlq-replayed-from`. Not the original timestamp: a record dated in the past could be
 * deleted by time-based retention right after it is written.
 */
export function replayRecord(
  at: DlqPosition,
  entry: DeadLetterRecord,
  /** The whole value, re-read from the original topic, when the entry carries only its head. */
  fullValue?: Buffer,
): ReplayRecord {
  const { original } = entry;
  return {
    topic: original.topic,
    message: {
      partition: original.partition,
      key: deadLetterKeyBytes(original),
      value:
        fullValue ??
        (original.value === null
          ? null
          : Buffer.from(original.value, original.value_encoding === 'base64' ? 'base64' : 'utf8')),
      headers: {
        ...deadLetterHeaderBytes(original.headers),
        [REPLAYED_FROM_HEADER]: `${at.partition}:${at.offset}`,
      },
    },
  };
}
