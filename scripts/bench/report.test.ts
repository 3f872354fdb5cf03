import { describe, expect, it } from 'vitest';
import type { FreshnessRate, FreshnessResult } from './freshness.ts';
import type { PhaseId, PhaseResult } from './phases.ts';
import { evaluateTargets, snapshotWrites, type SizeResult } from './report.ts';

function phase(
  id: PhaseId,
  eventsPerSecond: number,
  extra: Partial<PhaseResult> = {},
): PhaseResult {
  return {
    id,
    name: id,
    records: 100_000,
    seconds: 100_000 / eventsPerSecond,
    wallSeconds: 100_000 / eventsPerSecond + 1,
    eventsPerSecond,
    peakRssBytes: null,
    redisRequests: null,
    redisExecuted: null,
    redisByCommand: null,
    ...extra,
  };
}

function size(records: number, phases: PhaseResult[], freshness?: FreshnessResult): SizeResult {
  return {
    size: records,
    topicPrefix: 'bench.',
    produce: { records, expectations: {}, topics: {}, sessions: 1, bytes: 1, seconds: 1 },
    phases,
    ...(freshness === undefined ? {} : { freshness }),
  };
}

function verdict(sizes: SizeResult[], target: string): boolean | null | undefined {
  const checks = evaluateTargets(sizes, []);
  const found = checks.filter((check) => check.target.startsWith(target));
  if (found.length > 1) throw new Error(`${target}: ${found.length} rows`);
  return found[0]?.met;
}

describe('evaluateTargets', () => {
  it('1M within ± 20 % of 100k is two-sided: +22 % is missed, as −22 % is', () => {
    const at = (rate: number) => [
      size(100_000, [phase('c', 10_000)]),
      size(1_000_000, [phase('c', rate)]),
    ];
    expect(verdict(at(12_200), 'projector events/s at 1M')).toBe(false);
    expect(verdict(at(7_800), 'projector events/s at 1M')).toBe(false);
    expect(verdict(at(12_000), 'projector events/s at 1M')).toBe(true);
    expect(verdict(at(8_000), 'projector events/s at 1M')).toBe(true);
  });

  it('the projector catching up is held to 0.5 × the limit, the rebuild to 0.7 ×', () => {
    const run = (c: number, d: number) => [
      size(100_000, [phase('a', 100_000), phase('c', c), phase('d', d)]),
    ];
    expect(verdict(run(50_000, 70_000), 'projector catching up')).toBe(true);
    expect(verdict(run(49_900, 70_000), 'projector catching up')).toBe(false);
    expect(verdict(run(50_000, 70_000), 'rebuild (d) ≥ 0.7')).toBe(true);
    expect(verdict(run(50_000, 69_900), 'rebuild (d) ≥ 0.7')).toBe(false);
  });

  it('the ratio to the limit is to the better of its two passes', () => {
    const run = [size(100_000, [phase('a', 80_000), phase('c', 45_000), phase('a', 100_000)])];
    expect(verdict(run, 'projector catching up')).toBe(false);
  });

  it('checks peak RSS ≤ 300 MB for the projector and the rebuild at 1M only', () => {
    const rss = (mb: number) => ({ peakRssBytes: mb * 1e6 });
    const run = (records: number) => [
      size(records, [phase('c', 30_000, rss(300)), phase('d', 30_000, rss(301))]),
    ];
    expect(verdict(run(1_000_000), 'projector (c) peak RSS')).toBe(true);
    expect(verdict(run(1_000_000), 'rebuild (d) peak RSS')).toBe(false);
    expect(verdict(run(100_000), 'rebuild (d) peak RSS')).toBeUndefined();
  });

  it('counts the rebuild’s snapshot writes as half its SETs (document + last-write mark)', () => {
    const rebuild = (sets: number) =>
      phase('d', 30_000, { redisByCommand: { set: sets, get: 5000, evalsha: 100 } });
    expect(snapshotWrites(rebuild(12_001))).toBe(6000);
    expect(verdict([size(100_000, [rebuild(12_000)])], 'rebuild (d) ≤ 0.06')).toBe(true);
    expect(verdict([size(100_000, [rebuild(12_002)])], 'rebuild (d) ≤ 0.06')).toBe(false);
    expect(snapshotWrites(phase('d', 30_000))).toBeNull();
  });

  it('holds freshness p99 to 50 ms at 2 000 events/s and 100 ms at 10 000', () => {
    const rate = (offered: number, p99: number, unseen = 0): FreshnessRate => ({
      offered,
      achieved: offered,
      records: offered * 10,
      latency: { count: offered * 10, p50: 10, p99, max: p99 + 1, mean: 12 },
      ack: { count: 10, p50: 1, p99: 2, max: 3, mean: 1 },
      pollIntervalMs: 2,
      unseen,
      cpuMicrosPerEvent: 40,
    });
    const run = (rates: FreshnessRate[]) => [
      size(100_000, [], {
        settings: {},
        backlog: { records: 1, catchUpSeconds: 1 },
        rates,
        peakRssBytes: 1,
        pacedCpuSeconds: 1,
      }),
    ];
    const fresh = run([rate(500, 500), rate(2000, 50), rate(10_000, 100.1)]);
    expect(verdict(fresh, 'freshness p99 ≤ 50 ms at 2 000')).toBe(true);
    expect(verdict(fresh, 'freshness p99 ≤ 100 ms at 10 000')).toBe(false);
    // 500 events/s has no target of its own.
    expect(evaluateTargets(fresh, [])).toHaveLength(2);
    // A record never seen stored is no pass, whatever the others' p99.
    expect(verdict(run([rate(2000, 5, 1)]), 'freshness p99 ≤ 50 ms')).toBe(false);
  });

  it('leaves out a target whose phases did not run', () => {
    expect(evaluateTargets([size(100_000, [phase('a', 100_000)])], [])).toEqual([]);
  });
});
