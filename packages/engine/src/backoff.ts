/**
 * Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
 * and Jitter"): delay = random(0, min(cap, base * 2^attempt)). Jitter keeps a fleet of
 * projectors from hammering a recovering Redis or broker in lock-step.
 */
export interface BackoffOptions {
  /** @default 100 */
  baseMs: number;
  /** @default 10_000 */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 10_000 };

export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Retries `operation` while it throws a retryable error, until `signal` aborts. Between
 * attempts calls `onRetry` (report not-ready, log) and sleeps the backoff delay. Memory stays
 * flat: one pending operation, nothing queued.
 */
export async function retryTransient<T>(
  operation: () => Promise<T>,
  options: {
    isRetryable: (error: unknown) => boolean;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
    backoff?: BackoffOptions;
    signal?: AbortSignal;
  },
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!options.isRetryable(error) || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, options.backoff);
      options.onRetry?.(error, attempt, delayMs);
      await sleepUnlessAborted(delayMs, options.signal);
    }
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts (at once if it already has). */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
