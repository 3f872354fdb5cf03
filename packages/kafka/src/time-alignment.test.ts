import type { SourceRecord } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { alignInTime } from './time-alignment.ts';

const record = (topic: string, offset: number, time: number | string): SourceRecord => ({
  topic,
  partition: 0,
  offset: String(offset),
  key: null,
  value: null,
  headers: {},
  timestamp: String(time),
});
const run = (topic: string, times: Array<number | string>, caughtUp = false) => ({
  key: `${topic}:0`,
  records: times.map((time, offset) => record(topic, offset, time)),
  caughtUp,
});
const offsets = (records: readonly SourceRecord[]) =>
  records.map(({ topic, offset }) => `${topic}@${offset}`);

describe('alignInTime', () => {
  it('holds the records that ran past the slowest partition catching up, from the first such on', () => {
    const { fold, hold } = alignInTime(
      [run('cart', [100, 200, 300]), run('payment', [100, 250, 301, 5000, 320])],
      [],
      50,
    );
    expect(fold.map(offsets)).toEqual([
      ['cart@0', 'cart@1', 'cart@2'],
      ['payment@0', 'payment@1', 'payment@2'],
    ]);
    // 320 is within the limit, but comes after 5000: offset order is kept.
    expect([...hold].map(([key, records]) => [key, offsets(records)])).toEqual([
      ['payment:0', ['payment@3', 'payment@4']],
    ]);
  });

  it('holds nothing once every partition reached its high watermark, or for one that did', () => {
    expect(
      alignInTime([run('cart', [100], true), run('payment', [9000], true)], [], 50).hold.size,
    ).toBe(0);
    // cart is caught up: it does not hold payment back.
    expect(alignInTime([run('cart', [100], true), run('payment', [9000])], [], 50).hold.size).toBe(
      0,
    );
  });

  it('never holds the partition furthest behind, nor records or partitions without a readable time', () => {
    const { fold, hold } = alignInTime(
      [run('cart', ['x', 'y']), run('payment', [100, 'z', 7000]), run('shipping', [9000])],
      [],
      50,
    );
    // payment is furthest behind (7000): all of it is folded; shipping (9000) waits.
    expect(fold.map(offsets)).toEqual([
      ['cart@0', 'cart@1'],
      ['payment@0', 'payment@1', 'payment@2'],
    ]);
    expect([...hold.keys()]).toEqual(['shipping:0']);
  });
  it('is held back by a partition seen before that has no records at hand now', () => {
    const held = alignInTime([run('payment', [100, 9000])], [{ reach: 200, caughtUp: false }], 50);
    expect([...held.hold.keys()]).toEqual(['payment:0']);
    const free = alignInTime([run('payment', [100, 9000])], [{ reach: 200, caughtUp: true }], 50);
    expect(free.hold.size).toBe(0);
  });
});
