import { compareOffsets } from '@checkout/domain';
import type { TopicNames } from '@checkout/engine';
import {
  MAX_REMEMBERED_ORIGINALS,
  originalCoordinates,
  type DeadLetter,
  type DeadLetterRecord,
  type DlqPosition,
} from './dead-letter-record.ts';

export interface DlqItem {
  at: DlqPosition;
  entry: DeadLetterRecord;
}

/**
 * Counts per reason over every readable entry, each poison record once (the topic is
 * at-least-once: a crash between publishing and storing publishes a record's entry again,
 * with the same original coordinates); the entries matching `reason`.
 */
export interface DeadLetterTally {
  /** Messages in the topic (readable or not). */
  total: number;
  /** Distinct poison records (original coordinates) per reason. */
  byReason: Record<string, number>;
  /** Entries that repeat an original already counted (they still match `reason`). */
  duplicates: number;
  unreadable: Array<{ at: DlqPosition; problem: string }>;
  matched: DlqItem[];
}

/**
 * Collects a dead-letter scan: all counts, the matching entries (at most `limit`, in topic
 * order), and every unreadable message. Memory is bounded by `limit` plus the unreadable ones.
 */
export function createTally(
  filter: { reason?: string | undefined; limit?: number | undefined } = {},
) {
  const tally: DeadLetterTally & { matchedCount: number } = {
    total: 0,
    byReason: {},
    duplicates: 0,
    unreadable: [],
    matched: [],
    matchedCount: 0,
  };
  const seen = new Set<string>();
  const isRepeat = (entry: DeadLetterRecord): boolean => {
    const original = originalCoordinates(entry);
    if (seen.has(original)) return true;
    if (seen.size < MAX_REMEMBERED_ORIGINALS) seen.add(original);
    return false;
  };
  return {
    add(letter: DeadLetter): void {
      tally.total += 1;
      if (letter.kind === 'unreadable') {
        tally.unreadable.push({ at: letter.at, problem: letter.problem });
        return;
      }
      const { reason } = letter.entry;
      // A repeat still matches (replay plans it as a duplicate), but counts once by reason.
      if (isRepeat(letter.entry)) tally.duplicates += 1;
      else tally.byReason[reason] = (tally.byReason[reason] ?? 0) + 1;
      if (filter.reason !== undefined && reason !== filter.reason) return;
      tally.matchedCount += 1;
      if (filter.limit === undefined || tally.matched.length < filter.limit)
        tally.matched.push({ at: letter.at, entry: letter.entry });
    },
    result(): DeadLetterTally & { matchedCount: number } {
      return tally;
    },
  };
}

export type ReplaySkip =
  | 'already_replayed'
  | 'duplicate'
  | 'not_checkout_topic'
  /** No record at the entry's coordinates any more: nothing to check the entry against. */
  | 'original_gone'
  /** The record at the entry's coordinates has another key or value than the entry says. */
  | 'original_mismatch'
  /** The default partitioner puts the key on another partition (or the record has no key). */
  | 'not_its_partition';

export interface ReplayPlan {
  /** To re-produce, in original (topic, partition, offset) order. */
  replay: DlqItem[];
  /** Not re-produced, and why. Duplicates are marked replayed along with their twin. */
  skipped: Array<DlqItem & { why: ReplaySkip }>;
}

/**
 * Decides what to replay among `entries` (already filtered by reason):
 * - an entry whose dead-letter position is in `replayed` was replayed by an earlier run;
 * - the dead-letter topic is at-least-once, so one poison record may sit there twice with the
 *   same original coordinates: only the first is replayed, and a copy of a record replayed
 *   earlier is not replayed again;
 * - only the checkout topics of this deployment are written to, whatever an entry says.
 */
export function planReplay(
  entries: readonly DlqItem[],
  options: {
    replayed: ReadonlySet<string>;
    member: (at: DlqPosition) => string;
    topics: TopicNames;
  },
): ReplayPlan {
  const plan: ReplayPlan = { replay: [], skipped: [] };
  const done = new Set(
    entries
      .filter(({ at }) => options.replayed.has(options.member(at)))
      .map(({ entry }) => originalCoordinates(entry)),
  );
  for (const item of entries) {
    const coordinates = originalCoordinates(item.entry);
    if (options.replayed.has(options.member(item.at)))
      plan.skipped.push({ ...item, why: 'already_replayed' });
    else if (options.topics.toLogical(item.entry.original.topic) === undefined)
      plan.skipped.push({ ...item, why: 'not_checkout_topic' });
    else if (done.has(coordinates)) plan.skipped.push({ ...item, why: 'duplicate' });
    else {
      done.add(coordinates);
      plan.replay.push(item);
    }
  }
  plan.replay.sort(byOriginalPosition);
  return plan;
}

function byOriginalPosition(a: DlqItem, b: DlqItem): number {
  const x = a.entry.original;
  const y = b.entry.original;
  if (x.topic !== y.topic) return x.topic < y.topic ? -1 : 1;
  if (x.partition !== y.partition) return x.partition - y.partition;
  return compareOffsets(x.offset, y.offset);
}
