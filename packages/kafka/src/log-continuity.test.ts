import { describe, expect, it } from 'vitest';
import { batchContinuity, judgeAgainstLog } from './log-continuity.ts';

describe('batchContinuity', () => {
  it('is continuous from the checkpoint or below it, and when nothing is known', () => {
    const at = { firstOffset: '10', highWatermark: '50' };
    expect(batchContinuity('10', at)).toEqual({ kind: 'continuous' });
    expect(batchContinuity('12', at)).toEqual({ kind: 'continuous' });
    expect(batchContinuity(undefined, at)).toEqual({ kind: 'continuous' });
    expect(batchContinuity('10', { firstOffset: null, highWatermark: '50' })).toEqual({
      kind: 'continuous',
    });
  });

  it('finds a gap above the checkpoint, or above 0 when none is stored', () => {
    const ahead = { firstOffset: '1226', highWatermark: '1300' };
    expect(batchContinuity('307', ahead)).toEqual({ kind: 'gap', checkpoint: '307' });
    expect(batchContinuity(null, ahead)).toEqual({ kind: 'gap', checkpoint: '0' });
  });

  it('suspects a log that went back when the batch ends below the checkpoint', () => {
    const verdict = batchContinuity('500', { firstOffset: '400', highWatermark: '450' });
    expect(verdict).toEqual({ kind: 'ends-below', checkpoint: '500' });
  });
});

describe('judgeAgainstLog', () => {
  const gap = { kind: 'gap', checkpoint: '307' } as const;

  it('passes a gap inside the log (markers, compaction) and refuses one the log no longer holds', () => {
    expect(judgeAgainstLog('t:0', gap, { low: '0', high: '2000' })).toBeNull();
    expect(judgeAgainstLog('t:0', gap, { low: '307', high: '2000' })).toBeNull();
    const truncated = judgeAgainstLog('t:0', gap, { low: '1226', high: '2000' });
    expect(truncated).toMatchObject({
      code: 'HISTORY_TRUNCATED',
      context: { partitionKey: 't:0', checkpoint: '307', logStart: '1226' },
    });
  });

  it('passes a batch whose log end was older than the checkpoint, and raises the alarm when the log now ends below it', () => {
    const endsBelow = { kind: 'ends-below', checkpoint: '500' } as const;
    expect(judgeAgainstLog('t:0', endsBelow, { low: '0', high: '520' })).toBeNull();
    expect(judgeAgainstLog('t:0', endsBelow, { low: '0', high: '500' })).toBeNull();
    expect(judgeAgainstLog('t:0', endsBelow, { low: '0', high: '450' })).toMatchObject({
      code: 'HISTORY_TRUNCATED',
      context: { partitionKey: 't:0', checkpoint: '500', logEnd: '450' },
    });
  });
});
