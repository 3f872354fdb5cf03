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
}

export const silentObserver: EngineObserver = {
  batchProcessed() {},
  writeConflict() {},
  deadLettered() {},
  historyIncomplete() {},
};
