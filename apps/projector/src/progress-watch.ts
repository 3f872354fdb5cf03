import type { EngineObserver } from '@checkout/engine';

/**
 * Liveness beyond "the process runs": a projector with records waiting that stores nothing
 * for `timeoutMs` is stuck (a hung broker or network black hole past kafkajs' own retries, a
 * wedged client), and `/healthz` answers 500 so that an orchestrator restarts it. Idle is not
 * stuck: with nothing waiting, the clock starts again.
 *
 * `pending()` is the backlog of the partitions this member works on (halted ones left out: they
 * wait for an operator, not for a restart); null when unknown (no assignment: a consumer that
 * crashed and is rejoining), in which case the last known backlog counts.
 */
export interface ProgressWatch {
  /** Wraps an observer: every stored batch is progress. */
  observe(observer: EngineObserver): EngineObserver;
  /** Why the projector is stuck, or null. */
  stalled(): string | null;
}

export function createProgressWatch(options: {
  /** 0 turns the watch off. */
  timeoutMs: number;
  pending: () => number | null;
  /** Monotonic milliseconds. @default performance.now */
  now?: () => number;
}): ProgressWatch {
  const now = options.now ?? (() => performance.now());
  let lastProgress = now();
  let lastPending = 0;
  return {
    observe: (observer) => ({
      ...observer,
      batchProcessed(summary) {
        lastProgress = now();
        observer.batchProcessed(summary);
      },
    }),
    stalled() {
      if (options.timeoutMs <= 0) return null;
      lastPending = options.pending() ?? lastPending;
      if (lastPending === 0) {
        lastProgress = now();
        return null;
      }
      const idleMs = now() - lastProgress;
      return idleMs > options.timeoutMs
        ? `no batch stored for ${Math.round(idleMs)} ms with ${lastPending} records waiting (STALL_TIMEOUT_MS=${options.timeoutMs})`
        : null;
    },
  };
}
