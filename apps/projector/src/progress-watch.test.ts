import { silentObserver } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { createProgressWatch } from './progress-watch.ts';

const batch = {
  records: 1,
  sessions: 1,
  sessionsRead: 1,
  sessionsKept: 0,
  outcomes: [],
  durationMs: 1,
  storeMs: 1,
};

describe('progress watch', () => {
  it('is stuck only with records waiting and no batch stored for the timeout', () => {
    let clock = 0;
    let pending: number | null = 0;
    const watch = createProgressWatch({
      timeoutMs: 1000,
      pending: () => pending,
      now: () => clock,
    });
    const observer = watch.observe(silentObserver);
    clock = 5000;
    expect(watch.stalled()).toBeNull(); // idle is not stuck
    pending = 40;
    clock = 5900;
    expect(watch.stalled()).toBeNull();
    clock = 6100;
    expect(watch.stalled()).toMatch(/no batch stored for 1100 ms with 40 records waiting/);
    pending = null; // the consumer crashed and rejoins: the last backlog still counts
    expect(watch.stalled()).not.toBeNull();
    observer.batchProcessed(batch);
    expect(watch.stalled()).toBeNull();
  });

  it('is off with a timeout of 0', () => {
    let clock = 0;
    const watch = createProgressWatch({ timeoutMs: 0, pending: () => 10, now: () => clock });
    clock = 1e9;
    expect(watch.stalled()).toBeNull();
  });
});
