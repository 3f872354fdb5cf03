import { describe, expect, it } from 'vitest';
import { HOSTILE_KINDS, HOSTILE_STRING_BYTES, hostileRecords } from './hostile-records.ts';

const startTime = new Date('2031-03-01T00:00:00Z');

describe('hostileRecords', () => {
  it('is the same for the same seed, covers every kind, and caps the huge strings', () => {
    const run = () => [...hostileRecords({ seed: 7, records: 2_000, startTime })];
    const records = run();
    expect(run()).toEqual(records);
    expect(new Set(records.map(({ kind }) => kind))).toEqual(new Set(HOSTILE_KINDS));
    const huge = records.filter(({ value }) => (value?.length ?? 0) > HOSTILE_STRING_BYTES);
    expect(huge.length).toBeGreaterThan(0);
    expect(huge.length).toBeLessThanOrEqual(4);
  });

  it('keeps a header named __proto__ as a header', () => {
    const record = [...hostileRecords({ seed: 7, records: 500, startTime })].find(
      ({ kind }) => kind === 'prototype_keys',
    );
    expect(Object.keys(record?.headers ?? {})).toEqual(['__proto__']);
  });
});
