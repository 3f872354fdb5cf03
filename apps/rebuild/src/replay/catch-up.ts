/**
 * When a replay has caught up (pure; the replay loop feeds it what Redis and Kafka say).
 *
 * A replay of partition p starts at `start` and must reach `high`, the high watermark read when
 * the run began: everything that existed then. A blue/green rebuild must also not be behind the
 * live projector on any partition, or readers would see sessions go back in time at the switch
 * (the switch script re-checks that part atomically, since the live projector keeps moving).
 */
export interface PartitionPlan {
  /** Logical `"<topic>:<partition>"`, the checkpoint field. */
  field: string;
  /** Where the replay starts (next offset to read). */
  start: bigint;
  /** High watermark when the run began. */
  high: bigint;
}

export interface ReplayPositions {
  /** Checkpoints the replay's target holds (next offset to read), absent = none. */
  stored: ReadonlyMap<string, string>;
  /**
   * Where the replay's consumer is, from its lag tracker: ahead of `stored` only past records
   * without data (transaction markers), which never move a checkpoint.
   */
  consumed: ReadonlyMap<string, string>;
}

export interface CatchUpState {
  /** Every partition reached its high watermark of the start. */
  reachedStart: boolean;
  /** No partition is behind the live checkpoints given (vacuous without them). */
  aheadOfLive: boolean;
  caughtUp: boolean;
  /** Partitions still short, with what they need. */
  behind: Array<{ field: string; at: string; needs: string; reason: 'start' | 'live' }>;
  /** Records replayed / to replay, over all partitions (for progress and ETA). */
  done: bigint;
  total: bigint;
}

export function catchUpState(
  partitions: readonly PartitionPlan[],
  positions: ReplayPositions,
  live: ReadonlyMap<string, string> | null = null,
): CatchUpState {
  const behind: CatchUpState['behind'] = [];
  let done = 0n;
  let total = 0n;
  let reachedStart = true;
  let aheadOfLive = true;
  for (const { field, start, high } of partitions) {
    const stored = offsetOf(positions.stored.get(field));
    const consumed = offsetOf(positions.consumed.get(field));
    const at = max(stored ?? start, start);
    const position = consumed === null ? at : max(at, consumed);
    total += high > start ? high - start : 0n;
    done += min(position, high) > start ? min(position, high) - start : 0n;
    if (position < high) {
      reachedStart = false;
      behind.push({ field, at: String(position), needs: String(high), reason: 'start' });
      continue;
    }
    const liveAt = offsetOf(live?.get(field));
    if (liveAt !== null && (stored ?? 0n) < liveAt) {
      aheadOfLive = false;
      behind.push({ field, at: String(stored ?? 0n), needs: String(liveAt), reason: 'live' });
    }
  }
  return { reachedStart, aheadOfLive, caughtUp: reachedStart && aheadOfLive, behind, done, total };
}

function offsetOf(text: string | undefined): bigint | null {
  return text === undefined ? null : BigInt(text);
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
