/**
 * The pure half of the freshness phase (freshness.ts): how many records a paced producer owes
 * at a given moment, and the percentiles of the latencies it measured.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The q-quantile (0 < q ≤ 1) of ascending `sorted` by nearest rank: the smallest value with
 * at least q of the values at or below it, so p99 of 100 values is the 99th, never an
 * interpolation between two. NaN for no values.
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`percentile: q must be in (0, 1], got ${q}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length === 0 ? Number.NaN : (sorted.at(-1) as number),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/**
 * Records a producer pacing itself at `perSecond` owes by `elapsedMs` after it started: the
 * first at once, then one every 1/perSecond s, at most `total`. Behind the clock (a slow ack),
 * it owes more at once and so catches up; it never runs ahead.
 */
export function recordsDue(perSecond: number, elapsedMs: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((perSecond * elapsedMs) / 1000) + 1);
}

/** Milliseconds from the start until record number `index` (0-based) is due. */
export function dueAtMs(perSecond: number, index: number): number {
  return (index * 1000) / perSecond;
}
