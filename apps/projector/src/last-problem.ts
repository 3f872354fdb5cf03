/**
 * The last warning or error the projector logged, for `/status`: what an operator wants to see
 * first, without a log search. Its message only, which the log line already keeps free of
 * secrets and snapshots (safe-error.ts); the page escapes it.
 */
export interface Problem {
  level: 'warn' | 'error' | 'fatal';
  message: string;
  /** ISO time it was logged. */
  at: string;
}

export interface LastProblem {
  /** A pino level number (40 warn, 50 error, 60 fatal) and the line's message. */
  note(level: number, message: string): void;
  current(): Problem | null;
}

export function createLastProblem(now: () => Date = () => new Date()): LastProblem {
  let last: Problem | null = null;
  return {
    note(level, message) {
      if (level < 40) return;
      last = {
        level: level >= 60 ? 'fatal' : level >= 50 ? 'error' : 'warn',
        message,
        at: now().toISOString(),
      };
    },
    current: () => last,
  };
}
