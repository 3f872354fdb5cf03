import { describe, expect, it } from 'vitest';
import { backoffDelay, retryTransient } from './backoff.ts';
import { EngineError, isRetryable } from './errors.ts';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const options = { baseMs: 100, capMs: 1000 };
    expect(backoffDelay(0, options, () => 0.999)).toBe(99);
    expect(backoffDelay(3, options, () => 0.999)).toBe(799);
    expect(backoffDelay(50, options, () => 0.999)).toBe(999);
    expect(backoffDelay(50, options, () => 0)).toBe(0);
  });
});

describe('retryTransient', () => {
  const quick = { baseMs: 1, capMs: 2 };

  it('retries retryable failures until the operation succeeds', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await retryTransient(
      async () => {
        calls += 1;
        if (calls < 3) throw new EngineError('STORE_UNAVAILABLE', 'down', { canRetry: true });
        return 'stored';
      },
      { isRetryable, backoff: quick, onRetry: (_error, attempt) => retries.push(attempt) },
    );
    expect(result).toBe('stored');
    expect(retries).toEqual([0, 1]);
  });

  it('rethrows a failure that is not retryable at once', async () => {
    let calls = 0;
    const failing = retryTransient(
      async () => {
        calls += 1;
        throw new EngineError('HISTORY_TRUNCATED', 'gone', { canRetry: false });
      },
      { isRetryable, backoff: quick },
    );
    await expect(failing).rejects.toThrow('gone');
    expect(calls).toBe(1);
  });

  it('gives up when the signal aborts', async () => {
    const controller = new AbortController();
    const failing = retryTransient(
      async () => {
        controller.abort();
        throw new EngineError('STORE_UNAVAILABLE', 'down', { canRetry: true });
      },
      { isRetryable, backoff: quick, signal: controller.signal },
    );
    await expect(failing).rejects.toThrow('down');
  });
});
