import { compareOffsets, type CheckoutOrder } from '@checkout/domain';
import type { ChangelogMarker, SnapshotChangelog } from './ports/snapshot-changelog.ts';
import { parseTopicPartitionKey } from './ports/source-record.ts';

/**
 * What the engine knows of the snapshot changelog, per logical partition: the position up to
 * which the changelog holds every event (its *changelog position*, from the last marker this
 * member read or wrote), compared with the store's checkpoint:
 *
 * - position = checkpoint: in step; every commit is published with a marker one batch further.
 * - position < checkpoint (or none): *lagging*: a crash between a commit and its publish, a
 *   zombie fenced after its commit, or a changelog enabled on an existing store. The source
 *   resumes from the position instead; records below the checkpoint are not applied again, but
 *   the sessions they touch are republished as the store holds them (newer: harmless), and the
 *   marker moves with them. No marker ever claims what the changelog does not hold.
 * - position > checkpoint: *ahead*: the store lost data (a flush) and holds less than the
 *   changelog. Publishing the replayed, partial snapshots would overwrite complete ones under a
 *   marker that claims them complete, so the partition number is *held*: nothing is published
 *   for it until a later assignment finds the store caught up (then lagging or in step), and
 *   the engine raises the alarm (`changelogHeld`): restore with `--from-changelog`.
 *
 * Publishes of one partition number are chained in commit order: concurrent batches of two
 * topics of one partition may touch one session, and the changelog must receive its versions
 * in the order the store did.
 */
export interface ChangelogTracker {
  /** Claims the partition numbers not claimed yet and reads their markers. */
  claim(partitions: readonly number[]): Promise<void>;
  /** Compares with the store's checkpoints (logical keys) and decides held or not. */
  judge(checkpoints: ReadonlyMap<string, string | null>): number[];
  /** Where the source resumes a logical partition whose stored checkpoint is `stored`. */
  resumeFrom(logicalKey: string, stored: string | null): string | null;
  /** Whether records below `stored` must be republished (the changelog lags). */
  lagging(logicalKey: string, stored: string | null): boolean;
  /** Made visible only if `committed` resolves true (the store commit of the batch). */
  publish(
    partition: number,
    snapshots: ReadonlyArray<{ sessionId: string; order: CheckoutOrder }>,
    advances: ReadonlyArray<Advance>,
    committed: Promise<boolean>,
  ): Promise<PublishOutcome>;
  /** A revoke: the claim ends once the publishes in flight are done. */
  forget(partitions: readonly number[]): void;
}

export interface Advance {
  logicalKey: string;
  /** First offset of the batch in this partition. */
  first: string;
  /** The offset after its last record. */
  next: string;
}

export type PublishOutcome = 'published' | 'held' | 'fenced' | 'gap' | 'not-committed';

export function createChangelogTracker(changelog: SnapshotChangelog): ChangelogTracker {
  const positions = new Map<string, string>();
  const claimed = new Set<number>();
  const held = new Set<number>();
  /**
   * Fenced by another member's claim: not claimed again until this member loses and regains
   * the partition (a revoke, `forget`). Re-claiming on a mere write conflict would fence the
   * rightful owner back, and the two would take turns.
   */
  const fenced = new Set<number>();
  const chains = new Map<number, Promise<unknown>>();

  function position(key: string): string | null {
    return positions.get(key) ?? null;
  }

  function markerOf(partition: number): Map<string, string> {
    const marker = new Map<string, string>();
    for (const [key, offset] of positions)
      if (parseTopicPartitionKey(key)?.partition === partition) marker.set(key, offset);
    return marker;
  }

  function adopt(partition: number, marker: ChangelogMarker | undefined) {
    claimed.add(partition);
    for (const [key, offset] of marker ?? []) {
      if (parseTopicPartitionKey(key)?.partition === partition) positions.set(key, offset);
    }
  }

  async function write(
    partition: number,
    snapshots: ReadonlyArray<{ sessionId: string; order: CheckoutOrder }>,
    advances: ReadonlyArray<Advance>,
    committed: Promise<boolean>,
  ): Promise<PublishOutcome> {
    if (held.has(partition) || !claimed.has(partition)) return 'held';
    const marker = markerOf(partition);
    const before = marker.size;
    let moved = false;
    let gap = false;
    for (const { logicalKey, first, next } of advances) {
      const at = position(logicalKey);
      // Contiguous only: a batch starting above the position would leave records unpublished.
      const contiguous = at === null ? first === '0' : compareOffsets(first, at) <= 0;
      if (!contiguous) gap = true;
      else if (at === null || compareOffsets(next, at) > 0) {
        marker.set(logicalKey, next);
        moved = true;
      }
    }
    // A redelivery the changelog already holds: nothing to say.
    if (snapshots.length === 0 && !moved && marker.size === before)
      return gap ? 'gap' : 'published';
    const result = await changelog.publish({ partition, snapshots, marker }, committed);
    if (!result.ok && result.reason === 'not-committed') return 'not-committed';
    if (!result.ok) {
      // Someone else owns the partition number now; its claim read the marker before ours.
      claimed.delete(partition);
      fenced.add(partition);
      for (const key of markerOf(partition).keys()) positions.delete(key);
      return 'fenced';
    }
    for (const [key, offset] of marker) positions.set(key, offset);
    return gap ? 'gap' : 'published';
  }

  return {
    async claim(partitions) {
      const wanted = [...new Set(partitions)].filter((p) => !claimed.has(p) && !fenced.has(p));
      if (wanted.length === 0) return;
      const markers = await changelog.claim(wanted);
      for (const partition of wanted) adopt(partition, markers.get(partition));
    },
    judge(checkpoints) {
      const ahead = new Set<number>();
      const seen = new Set<number>();
      for (const [key, stored] of checkpoints) {
        const tp = parseTopicPartitionKey(key);
        if (tp === undefined) continue;
        seen.add(tp.partition);
        const at = position(key);
        if (at !== null && (stored === null || compareOffsets(stored, at) < 0))
          ahead.add(tp.partition);
      }
      for (const partition of seen) {
        if (ahead.has(partition)) held.add(partition);
        else held.delete(partition);
      }
      return [...ahead];
    },
    resumeFrom(key, stored) {
      return this.lagging(key, stored) ? position(key) : stored;
    },
    lagging(key, stored) {
      const tp = parseTopicPartitionKey(key);
      if (tp === undefined || !claimed.has(tp.partition) || held.has(tp.partition)) return false;
      const at = position(key);
      return stored !== null && (at === null || compareOffsets(at, stored) < 0);
    },
    publish(partition, snapshots, advances, committed) {
      // Chained in the order the commits were sent, which is the order the store applies them.
      const previous = chains.get(partition) ?? Promise.resolve();
      const step = () => write(partition, snapshots, advances, committed);
      const next = previous.then(step, step);
      chains.set(partition, next);
      void next
        .finally(() => {
          if (chains.get(partition) === next) chains.delete(partition);
        })
        .catch(() => undefined);
      return next;
    },
    forget(partitions) {
      for (const partition of partitions) fenced.delete(partition);
      const mine = [...new Set(partitions)].filter((p) => claimed.has(p));
      if (mine.length === 0) return;
      for (const partition of mine) {
        for (const key of markerOf(partition).keys()) positions.delete(key);
        claimed.delete(partition);
        held.delete(partition);
      }
      // A publish still in flight after this finds no claim: the next owner sees the lag.
      void changelog.release(mine).catch(() => undefined);
    },
  };
}
