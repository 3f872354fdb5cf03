import { describe, expect, it } from 'vitest';
import { startedWhenAsked, type DeadLetterTail } from './dead-letter-tail.ts';

/** A tail whose start the test controls, counting what is asked of it. */
function controlledStart(known: string[]) {
  const calls: string[] = [];
  let finish: (tail: DeadLetterTail) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const tail: DeadLetterTail = {
    has: (key) => known.includes(key),
    readUpToNow: async () => void calls.push('readUpToNow'),
    stop: async () => void calls.push('stop'),
  };
  const start = () => {
    calls.push('start');
    return new Promise<DeadLetterTail>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return { start, calls, started: () => finish(tail), failed: (error: Error) => fail(error) };
}

describe('startedWhenAsked', () => {
  it('starts nothing until asked, and stops nothing it never started', async () => {
    const control = controlledStart([]);
    const tail = startedWhenAsked(control.start);
    await tail.stop();
    expect(control.calls).toEqual([]);
  });

  it('starts on the first question, knows nothing until started, then answers as the tail', async () => {
    const control = controlledStart(['cart-events:0:1']);
    const tail = startedWhenAsked(control.start);
    expect(tail.has('cart-events:0:1')).toBe(false);
    expect(tail.has('cart-events:0:1')).toBe(false); // one start, however often asked
    const synced = tail.readUpToNow();
    control.started();
    await synced;
    expect(tail.has('cart-events:0:1')).toBe(true);
    await tail.stop();
    expect(control.calls).toEqual(['start', 'readUpToNow', 'stop']);
  });

  it('reports a failed start from readUpToNow', async () => {
    const control = controlledStart([]);
    const tail = startedWhenAsked(control.start);
    expect(tail.has('cart-events:0:1')).toBe(false);
    control.failed(new Error('brokers down'));
    await expect(tail.readUpToNow()).rejects.toThrow('brokers down');
    await tail.stop(); // nothing started, nothing to stop, no throw
    expect(control.calls).toEqual(['start']);
  });
});
