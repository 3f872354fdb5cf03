import { compareOffsets, type CheckoutOrder } from '@checkout/domain';
import { backoffDelay, sleepUnlessAborted, type BackoffOptions } from './backoff.ts';
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
 * Publishing is off the store's path: a wave is handed over once its commit succeeded, and
 * the tracker sends one Kafka transaction per partition number at a time; the waves committed
 * while one is in flight are merged (each session's newest snapshot, the marker as far as
 * they reach) and sent as the next. The tracker's position is where the changelog will be
 * once its queue is sent: a failed send is retried with backoff, merged with what came
 * since, and only a fence or a revoke gives it up (then the next owner catches up from the
 * marker, as after a crash). The queue of a partition number is bounded by `maxQueuedBytes`:
 * beyond it the engine waits (`room`) before storing the next wave of that partition number.
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
  /** Queues the snapshots of a committed wave (about `bytes` big) and moves the marker past it. */
  publish(
    partition: number,
    snapshots: ReadonlyArray<{ sessionId: string; order: CheckoutOrder }>,
    advances: ReadonlyArray<Advance>,
    bytes: number,
  ): void;
  /** Resolves once the queue of this partition number is below its bound. */
  room(partition: number): Promise<void>;
  /**
   * Resolves once everything queued so far is sent, or given up: while draining, a failed
   * send is not retried (the changelog lags; the next start catches up from the marker).
   */
  drain(): Promise<void>;
  /** A revoke: the claim ends, what is queued is dropped; the next owner sees the lag. */
  forget(partitions: readonly number[]): void;
}

export interface ChangelogTrackerOptions {
  /** Bytes of snapshots queued per partition number before `room` makes the store wait. */
  maxQueuedBytes: number;
  /** After each transaction sent, with how many waves it carried. */
  onPublished?: (details: { partition: number; waves: number; durationMs: number }) => void;
  /** A marker that could not move: fenced, a gap, or a failed send (retried). */
  onTrouble?: (details: { partition: number; outcome: ChangelogTrouble }) => void;
  backoff?: BackoffOptions;
  now?: () => number;
}

/** Why a marker could not move (EngineObserver.changelogTrouble). */
export type ChangelogTrouble = 'fenced' | 'gap' | 'failed';

export interface Advance {
  logicalKey: string;
  /** First offset of the batch in this partition. */
  first: string;
  /** The offset after its last record. */
  next: string;
}

/** Committed waves not sent yet, merged. */
interface Queue {
  snapshots: Map<string, CheckoutOrder>;
  bytes: number;
  waves: number;
}

export function createChangelogTracker(
  changelog: SnapshotChangelog,
  options: ChangelogTrackerOptions,
): ChangelogTracker {
  const now = options.now ?? (() => performance.now());
  /** Where the changelog of each logical partition is, once its queue is sent. */
  const positions = new Map<string, string>();
  const claimed = new Set<number>();
  const held = new Set<number>();
  /**
   * Fenced by another member's claim: not claimed again until this member loses and regains
   * the partition (a revoke, `forget`). Re-claiming on a mere write conflict would fence the
   * rightful owner back, and the two would take turns.
   */
  const fenced = new Set<number>();
  const queues = new Map<number, Queue>();
  /** The send loop of each partition number with a queue or a send in flight. */
  const senders = new Map<number, Promise<void>>();
  const roomWaiters = new Map<number, Array<() => void>>();
  /** While draining (a stop), a failed send is given up instead of retried. */
  let draining = false;
  /** Aborted by a drain: the backoff waits in progress end. */
  let wake = new AbortController();

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

  function disown(partition: number) {
    for (const key of markerOf(partition).keys()) positions.delete(key);
    claimed.delete(partition);
    held.delete(partition);
    queues.delete(partition);
    makeRoom(partition);
  }

  function makeRoom(partition: number) {
    const waiting = roomWaiters.get(partition);
    roomWaiters.delete(partition);
    for (const resume of waiting ?? []) resume();
  }

  /** Moves the marker past the advances that continue it; false when one leaves a gap. */
  function advance(advances: ReadonlyArray<Advance>): { moved: boolean; gap: boolean } {
    let moved = false;
    let gap = false;
    for (const { logicalKey, first, next } of advances) {
      const at = position(logicalKey);
      // Contiguous only: a batch starting above the position would leave records unpublished.
      const contiguous = at === null ? first === '0' : compareOffsets(first, at) <= 0;
      if (!contiguous) gap = true;
      else if (at === null || compareOffsets(next, at) > 0) {
        positions.set(logicalKey, next);
        moved = true;
      }
    }
    return { moved, gap };
  }

  function enqueue(partition: number, queue: Queue) {
    const queued = queues.get(partition);
    if (queued === undefined) queues.set(partition, queue);
    else enqueueInto(queued, queue);
    if (!senders.has(partition)) {
      const sender = send(partition).finally(() => senders.delete(partition));
      senders.set(partition, sender);
    }
  }

  /** Newest last: a session's later snapshot replaces the one queued before it. */
  function enqueueInto(queue: Queue, later: Queue) {
    for (const [sessionId, order] of later.snapshots) queue.snapshots.set(sessionId, order);
    queue.bytes += later.bytes;
    queue.waves += later.waves;
  }

  /** Sends the queue of a partition number until it is empty, one transaction at a time. */
  async function send(partition: number): Promise<void> {
    for (let attempt = 0; ;) {
      const queue = queues.get(partition);
      if (queue === undefined) return;
      queues.delete(partition);
      makeRoom(partition);
      if (!claimed.has(partition)) continue; // revoked or fenced meanwhile: the next owner catches up
      // Captured now: the marker covers what this write and the ones before it hold.
      const marker = markerOf(partition);
      const snapshots = [...queue.snapshots].map(([sessionId, order]) => ({ sessionId, order }));
      const started = now();
      try {
        const result = await changelog.publish({ partition, snapshots, marker });
        if (!result.ok) {
          // Someone else owns the partition number now; its claim read the marker before ours.
          disown(partition);
          fenced.add(partition);
          options.onTrouble?.({ partition, outcome: 'fenced' });
          continue;
        }
        attempt = 0;
        options.onPublished?.({ partition, waves: queue.waves, durationMs: now() - started });
      } catch {
        options.onTrouble?.({ partition, outcome: 'failed' });
        if (!claimed.has(partition)) continue;
        if (draining) {
          // Given up at a stop: the marker must not move past what was not sent, so the
          // partition number is given up too; the next start catches up from the marker.
          disown(partition);
          continue;
        }
        // Put back in front of what was queued since, then wait before the next attempt.
        const since = queues.get(partition);
        if (since !== undefined) enqueueInto(queue, since);
        queues.set(partition, queue);
        await sleepUnlessAborted(backoffDelay(attempt, options.backoff), wake.signal);
        attempt += 1;
      }
    }
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
    publish(partition, snapshots, advances, bytes) {
      if (held.has(partition) || !claimed.has(partition)) return;
      const { moved, gap } = advance(advances);
      if (gap) options.onTrouble?.({ partition, outcome: 'gap' });
      // A redelivery the changelog already holds: nothing to say.
      if (snapshots.length === 0 && !moved) return;
      const queue: Queue = { snapshots: new Map(), bytes, waves: 1 };
      for (const { sessionId, order } of snapshots) queue.snapshots.set(sessionId, order);
      enqueue(partition, queue);
    },
    room(partition) {
      const queue = queues.get(partition);
      if (queue === undefined || queue.bytes < options.maxQueuedBytes) return Promise.resolve();
      return new Promise((resolve) => {
        const waiting = roomWaiters.get(partition) ?? [];
        waiting.push(resolve);
        roomWaiters.set(partition, waiting);
      });
    },
    async drain() {
      draining = true;
      wake.abort(); // what waits for a retry is sent once more now
      wake = new AbortController();
      try {
        while (senders.size > 0) await Promise.all(senders.values());
      } finally {
        draining = false;
      }
    },
    forget(partitions) {
      for (const partition of partitions) fenced.delete(partition);
      const mine = [...new Set(partitions)].filter((p) => claimed.has(p));
      if (mine.length === 0) return;
      for (const partition of mine) disown(partition);
      // A send still in flight after this finds no claim: the next owner sees the lag.
      void changelog.release(mine).catch(() => undefined);
    },
  };
}
