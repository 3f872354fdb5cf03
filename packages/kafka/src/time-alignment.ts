import type { SourceRecord } from '@checkout/engine';

/**
 * Keeps the topics of one partition number folded at about the same record time while they
 * catch up: records that ran ahead of the slowest topic are held back, in memory, until it
 * closes in (Kafka Streams synchronises its inputs by timestamp for the same reason).
 *
 * Why: a fetch brings up to `maxBytesPerPartition` of each partition, and a quiet topic's
 * 256 KiB spans far more time than a busy one's: `payment-events:N` was read to its end while
 * `cart-events:N` was still a fifth of the way in. A session's events of the quiet topic then
 * landed in an early wave and those of the busy one in later waves, and the session was
 * loaded and written once per wave instead of once. Holding back changes nothing in the
 * result (the fold is the same in any interleaving of topics, SPEC §4), only when records are
 * folded; and it never stalls: the records of the partition furthest behind are never held.
 *
 * A partition's *reach* is the time of its last record at hand (its Kafka timestamp). The
 * *frontier* is the earliest reach among the partitions still catching up (not at their high
 * watermark), those at hand and those seen before (`others`: a partition not fetched this time
 * still holds the others back). A partition never seen holds nobody back: one whose log holds
 * only transaction markers would never be seen, and must not stall the others. Records later than `frontier + maxSkewMs` are held, from the first such record
 * on (a partition's records stay in offset order); with no partition catching up, nothing is.
 */
export interface PartitionRun {
  /** `"<topic>:<partition>"`. */
  key: string;
  /** Held records first, then the new batch's, in offset order. */
  records: readonly SourceRecord[];
  /** Its last record is the last one the log holds (the batch reached its high watermark). */
  caughtUp: boolean;
}

export interface AlignedRuns {
  /** What to fold now, per partition (never empty arrays). */
  fold: SourceRecord[][];
  /** What to hold, per partition key. */
  hold: Map<string, SourceRecord[]>;
}

/** How far a partition of the number got, when it has no records at hand now. */
export interface PartitionReach {
  /** Time of its last record seen; NaN when unknown. */
  reach: number;
  caughtUp: boolean;
}

export function alignInTime(
  runs: readonly PartitionRun[],
  others: readonly PartitionReach[],
  maxSkewMs: number,
): AlignedRuns {
  let frontier = Infinity;
  const reaches = [
    ...runs.map(({ records, caughtUp }) => ({
      reach: Number(records.at(-1)?.timestamp),
      caughtUp,
    })),
    ...others,
  ];
  for (const { reach, caughtUp } of reaches) {
    // A partition without a readable time cannot say how far it is: it holds nobody back.
    if (!caughtUp && Number.isFinite(reach) && reach < frontier) frontier = reach;
  }
  const limit = frontier + maxSkewMs;
  const fold: SourceRecord[][] = [];
  const hold = new Map<string, SourceRecord[]>();
  for (const { key, records } of runs) {
    const split = records.findIndex((record) => timeOf(record) > limit);
    const now = split === -1 ? records : records.slice(0, split);
    if (now.length > 0) fold.push([...now]);
    if (split !== -1) hold.set(key, records.slice(split));
  }
  return { fold, hold };
}

/** A record's Kafka timestamp in ms; an unreadable one is never held. */
function timeOf(record: SourceRecord | undefined): number {
  const time = Number(record?.timestamp);
  return Number.isFinite(time) ? time : -Infinity;
}
