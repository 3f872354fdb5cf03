import type { ChangelogTrouble } from './changelog-tracker.ts';
import type { DeadLetterEntry } from './ports/dead-letter-sink.ts';

/** What happened to one record. `dead_lettered` carries the rejection reason. */
export type RecordOutcome = 'applied' | 'skipped' | 'ignored' | 'dead_lettered';

export interface OutcomeCount {
  topic: string;
  eventName: string;
  outcome: RecordOutcome;
  /** The rejection reason, for `dead_lettered`; the skip reason, for `skipped`. */
  reason: string | null;
  count: number;
}

/**
 * Hooks for metrics and logs. The engine calls them once per batch with aggregated counts,
 * never once per event, so instrumentation stays off the hot path.
 */
export interface EngineObserver {
  batchProcessed(summary: {
    records: number;
    sessions: number;
    /** Of those: read from the store, and folded onto the copies kept from the last write. */
    sessionsRead: number;
    sessionsKept: number;
    outcomes: readonly OutcomeCount[];
    durationMs: number;
    storeMs: number;
  }): void;
  writeConflict(details: { kind: string; subject: string; expected: string; actual: string }): void;
  /** After the entries were published: poison is rare, so logging each one is affordable. */
  deadLettered(entries: readonly DeadLetterEntry[]): void;
  /**
   * After a commit that wrote sessions onto lost history (their snapshot expired, was evicted
   * or deleted while the checkpoint remained): each is marked `meta.history_incomplete`.
   */
  historyIncomplete(sessionIds: readonly string[]): void;
  /** A batch of `records` was too large for one commit and is stored in parts. */
  batchSplit?(records: number): void;
  /** After each changelog transaction (SNAPSHOT_CHANGELOG_TOPIC): the waves queued while one was sent go in one. */
  changelogPublished?(details: { durationMs: number }): void;
  /**
   * The store holds less than the snapshot changelog for these partition numbers (it lost
   * data): nothing is published for them until a restore or a later assignment finds the
   * store caught up. An alarm: restore with `checkout-rebuild --from-changelog`.
   */
  changelogHeld?(partitions: readonly number[]): void;
  /**
   * A publish whose marker could not move (`gap`: a batch above the changelog's position),
   * that another member fenced (`fenced`: it claimed the partition number since), or that
   * failed (`failed`: the broker; retried with backoff, merged with the waves that follow).
   */
  changelogTrouble?(details: ReadonlyArray<{ partition: number; outcome: ChangelogTrouble }>): void;
}

export const silentObserver: EngineObserver = {
  batchProcessed() {},
  writeConflict() {},
  deadLettered() {},
  historyIncomplete() {},
};
