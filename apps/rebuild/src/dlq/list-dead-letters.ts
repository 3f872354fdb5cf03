import type { Kafka } from './clients.ts';
import type { DeadLetterRecord, DlqPosition } from './dead-letter-record.ts';
import { readDeadLetters, type ReadDeadLettersOptions } from './read-dead-letters.ts';
import { createTally } from './select-dead-letters.ts';

/** `dlq list` as data: what `--json` prints. */
export interface DeadLetterListing {
  topic: string;
  /** False when the topic does not exist yet: nothing was ever dead-lettered. */
  exists: boolean;
  /** Messages in the topic, readable or not. */
  total: number;
  /** Distinct poison records (by original coordinates) per reason, over the whole topic. */
  by_reason: Record<string, number>;
  /** Entries repeating a poison record already counted (at-least-once publishing). */
  duplicates: number;
  /** The `--reason` filter, null for all. */
  reason: string | null;
  /** Entries matching the filter. */
  matched: number;
  /** Matching entries, in topic order, at most `--limit`. */
  entries: Array<{ dlq: DlqPosition } & DeadLetterRecord>;
  /** Messages that are not dead-letter entries (never replayable): where and why. */
  unreadable: Array<{ dlq: DlqPosition; problem: string }>;
}

export interface ListDeadLettersOptions extends ReadDeadLettersOptions {
  kafka: Kafka;
  topic: string;
  reason?: string | undefined;
  limit?: number | undefined;
}

export async function listDeadLetters(options: ListDeadLettersOptions): Promise<DeadLetterListing> {
  const tally = createTally({ reason: options.reason, limit: options.limit });
  const scan = await readDeadLetters(options.kafka, options.topic, tally.add, options);
  const result = tally.result();
  return {
    topic: options.topic,
    exists: scan.exists,
    total: result.total,
    by_reason: result.byReason,
    duplicates: result.duplicates,
    reason: options.reason ?? null,
    matched: result.matchedCount,
    entries: result.matched.map(({ at, entry }) => ({ dlq: at, ...entry })),
    unreadable: result.unreadable.map(({ at, problem }) => ({ dlq: at, problem })),
  };
}
