import { describe, expect, it } from 'vitest';
import { catchUpState, type PartitionPlan } from './catch-up.ts';

const plan: PartitionPlan[] = [
  { field: 'cart-events:0', start: 0n, high: 100n },
  { field: 'cart-events:1', start: 0n, high: 50n },
  { field: 'payment-events:0', start: 0n, high: 0n },
];
const map = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('catchUpState', () => {
  it('is not caught up until every partition reached the high watermark of the start', () => {
    const state = catchUpState(plan, {
      stored: map({ 'cart-events:0': '100', 'cart-events:1': '20' }),
      consumed: map({}),
    });
    expect(state).toMatchObject({ reachedStart: false, caughtUp: false, done: 120n, total: 150n });
    expect(state.behind).toEqual([
      { field: 'cart-events:1', at: '20', needs: '50', reason: 'start' },
    ]);
  });

  it('counts an empty partition as reached, and a consumer past a trailing transaction marker', () => {
    const state = catchUpState(plan, {
      stored: map({ 'cart-events:0': '100', 'cart-events:1': '49' }),
      consumed: map({ 'cart-events:1': '50' }),
    });
    expect(state).toMatchObject({ reachedStart: true, caughtUp: true, done: 150n });
  });

  it('switch decision: refuses while the live projector is ahead on any partition', () => {
    const stored = map({ 'cart-events:0': '120', 'cart-events:1': '50' });
    const behindLive = catchUpState(
      plan,
      { stored, consumed: map({}) },
      map({ 'cart-events:0': '121', 'cart-events:1': '50' }),
    );
    expect(behindLive).toMatchObject({ reachedStart: true, aheadOfLive: false, caughtUp: false });
    expect(behindLive.behind).toEqual([
      { field: 'cart-events:0', at: '120', needs: '121', reason: 'live' },
    ]);

    const equal = catchUpState(
      plan,
      { stored, consumed: map({}) },
      map({ 'cart-events:0': '120', 'cart-events:1': '40' }),
    );
    expect(equal.caughtUp).toBe(true);
    // No live checkpoint (a cold start): nothing to wait for beyond the start.
    expect(catchUpState(plan, { stored, consumed: map({}) }, map({})).caughtUp).toBe(true);
  });

  it('starts progress at a seeded offset, and never counts below it', () => {
    const seeded: PartitionPlan[] = [{ field: 'cart-events:0', start: 60n, high: 100n }];
    expect(catchUpState(seeded, { stored: map({}), consumed: map({}) })).toMatchObject({
      done: 0n,
      total: 40n,
    });
    expect(
      catchUpState(seeded, { stored: map({ 'cart-events:0': '80' }), consumed: map({}) }),
    ).toMatchObject({ done: 20n });
    // Already past the target (the log grew): done is capped at the total.
    expect(
      catchUpState(seeded, { stored: map({ 'cart-events:0': '130' }), consumed: map({}) }),
    ).toMatchObject({ done: 40n, caughtUp: true });
  });
});
