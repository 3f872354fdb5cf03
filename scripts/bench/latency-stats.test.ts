import { describe, expect, it } from 'vitest';
import { dueAtMs, percentile, recordsDue, summarizeLatencies } from './latency-stats.ts';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1);

  it('takes the nearest rank, never an interpolation', () => {
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred, 1)).toBe(100);
    expect(percentile([1, 2], 0.5)).toBe(1);
    expect(percentile([1, 2], 0.51)).toBe(2);
  });

  it('is the only value of one, NaN of none', () => {
    expect(percentile([7], 0.01)).toBe(7);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('refuses a q outside (0, 1]', () => {
    expect(() => percentile(hundred, 0)).toThrow(RangeError);
    expect(() => percentile(hundred, 99)).toThrow(RangeError);
  });
});

describe('summarizeLatencies', () => {
  it('sorts a copy and reports p50, p99, max and mean', () => {
    const values = [30, 10, 20, 1000];
    expect(summarizeLatencies(values)).toEqual({
      count: 4,
      p50: 20,
      p99: 1000,
      max: 1000,
      mean: 265,
    });
    expect(values).toEqual([30, 10, 20, 1000]);
  });

  it('one slow record in a thousand shows in the max, not in p99', () => {
    const values = [...Array.from({ length: 999 }, () => 5), 400];
    const summary = summarizeLatencies(values);
    expect(summary.p99).toBe(5);
    expect(summary.max).toBe(400);
  });

  it('of nothing is NaN, not zero', () => {
    const summary = summarizeLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p50).toBeNaN();
    expect(summary.max).toBeNaN();
  });
});

describe('recordsDue', () => {
  it('owes the first record at once, then one per interval', () => {
    expect(recordsDue(1000, 0, 100)).toBe(1);
    expect(recordsDue(1000, 0.9, 100)).toBe(1);
    expect(recordsDue(1000, 1, 100)).toBe(2);
    expect(recordsDue(2000, 10, 100)).toBe(21);
  });

  it('catches up after a stall and never owes more than the total', () => {
    expect(recordsDue(500, 1000, 10_000)).toBe(501);
    expect(recordsDue(10_000, 60_000, 100)).toBe(100);
    expect(recordsDue(10_000, -5, 100)).toBe(0);
  });

  it('agrees with dueAtMs: record n is owed from its due time on', () => {
    for (const rate of [500, 2000, 10_000]) {
      for (const index of [0, 1, 7, 499, 1234]) {
        expect(recordsDue(rate, dueAtMs(rate, index), 1e9)).toBeGreaterThan(index);
      }
    }
  });
});
