import type { EngineObserver, OutcomeCount } from '@checkout/engine';

/**
 * What a replay did, tallied from the engine's per-batch observer hook (never per event).
 * The rate is records over the time spent processing batches, from the first batch's start to
 * the last batch's end: joining the consumer group and waiting to stop do not count.
 */
export interface ReplayStats {
  readonly observer: EngineObserver;
  events(): number;
  eventsPerSecond(): number;
  /** Milliseconds from the first batch's start to the last batch's end. */
  activeMs(): number;
  summary(): ReplaySummary;
}

export interface ReplaySummary {
  events: number;
  active_ms: number;
  events_per_second: number;
  outcomes: Record<'applied' | 'skipped' | 'ignored' | 'dead_lettered', number>;
  /** Dead-letter and skip reasons with their counts. */
  reasons: Record<string, number>;
  write_conflicts: number;
  /** Sessions folded onto a snapshot the store had lost (`meta.history_incomplete`). */
  history_incomplete: number;
}

export function createReplayStats(now: () => number = () => performance.now()): ReplayStats {
  let events = 0;
  let first: number | undefined;
  let last = 0;
  let conflicts = 0;
  let historyIncomplete = 0;
  const outcomes = { applied: 0, skipped: 0, ignored: 0, dead_lettered: 0 };
  const reasons: Record<string, number> = {};

  const activeMs = () => (first === undefined ? 0 : Math.max(last - first, 0));
  const eventsPerSecond = () => (activeMs() === 0 ? 0 : events / (activeMs() / 1000));

  const observer: EngineObserver = {
    batchProcessed({ records, outcomes: counts, durationMs }) {
      const end = now();
      first ??= end - durationMs;
      last = end;
      events += records;
      tally(counts);
    },
    writeConflict() {
      conflicts += 1;
    },
    deadLettered() {},
    historyIncomplete(sessionIds) {
      historyIncomplete += sessionIds.length;
    },
  };

  function tally(counts: readonly OutcomeCount[]): void {
    for (const { outcome, reason, count } of counts) {
      outcomes[outcome] += count;
      if (reason !== null)
        reasons[`${outcome}:${reason}`] = (reasons[`${outcome}:${reason}`] ?? 0) + count;
    }
  }

  return {
    observer,
    events: () => events,
    eventsPerSecond,
    activeMs,
    summary: () => ({
      events,
      active_ms: Math.round(activeMs()),
      events_per_second: Math.round(eventsPerSecond()),
      outcomes: { ...outcomes },
      reasons: { ...reasons },
      write_conflicts: conflicts,
      history_incomplete: historyIncomplete,
    }),
  };
}
