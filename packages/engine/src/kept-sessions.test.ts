import { initialCheckoutOrder, DEFAULT_DOMAIN_CONFIG } from '@checkout/domain';
import { describe, expect, it } from 'vitest';
import type { WorkingSession } from './fold-batch.ts';
import { createKeptSessions } from './kept-sessions.ts';

function session(id: string, bytes: number): [string, WorkingSession] {
  const order = initialCheckoutOrder(id, DEFAULT_DOMAIN_CONFIG);
  return [id, { order, expectedVersion: 1, changed: false, bytes }];
}

describe('kept sessions', () => {
  it('hands a session out for its own partition number only, and forgets it once a wave takes it', () => {
    const kept = createKeptSessions(10_000);
    kept.keep(3, null, [session('s-1', 100)]);
    expect(kept.peek('s-1', 4)).toBeUndefined();
    expect(kept.peek('s-1', 3)?.expectedVersion).toBe(1);
    expect(kept.peek('s-1', 3)).toBeDefined(); // peeking leaves it kept
    kept.take('s-1');
    expect(kept.peek('s-1', 3)).toBeUndefined();
    expect([kept.size, kept.bytes]).toEqual([0, 0]);
    expect(kept.generationOf(3)).toBeUndefined();
  });

  it('lets the least recently kept go first, pending bytes counted', () => {
    const kept = createKeptSessions(1000);
    kept.keep(0, null, [session('a', 300), session('b', 300)]);
    kept.keep(1, null, [session('c', 300)]);
    kept.keep(0, null, [session('a', 300)]); // kept again: now the most recent
    kept.fitBeside(500);
    expect(['a', 'b'].filter((id) => kept.peek(id, 0) !== undefined)).toEqual(['a']);
    expect(kept.peek('c', 1)).toBeUndefined();
    expect(kept.bytes).toBe(300);
  });

  it('holds one generation per partition number: a commit in another replaces what was kept', () => {
    const kept = createKeptSessions(10_000);
    kept.keep(0, null, [session('a', 10)]);
    kept.keep(1, null, [session('b', 10)]);
    expect(kept.behind([0, 1], (partition) => (partition === 0 ? 'g2' : undefined))).toEqual([0]);
    kept.keep(0, 'g2', [session('c', 10)]);
    expect(kept.peek('a', 0)).toBeUndefined();
    expect(kept.generationOf(0)).toBe('g2');
    kept.drop([1]);
    expect([kept.size, kept.bytes, kept.generationOf(1)]).toEqual([1, 10, undefined]);
  });

  it('keeps nothing with a bound of 0', () => {
    const kept = createKeptSessions(0);
    kept.keep(0, null, [session('a', 10)]);
    expect(kept.size).toBe(0);
  });
});
