import { describe, expect, it } from 'vitest';
import { batchContinuity, judgeGap } from './log-continuity.ts';

describe('batchContinuity', () => {
  it('is continuous from the checkpoint or below it, and when nothing is known', () => {
    const at = { firstOffset: '10', highWatermark: '50' };
    expect(batchContinuity('t:0', '10', at)).toEqual({ kind: 'continuous' });
    expect(batchContinuity('t:0', '12', at)).toEqual({ kind: 'continuous' });
    expect(batchContinuity('t:0', undefined, at)).toEqual({ kind: 'continuous' });
    expect(batchContinuity('t:0', '10', { firstOffset: null, highWatermark: '50' })).toEqual({
      kind: 'continuous',
    });
  });

  it('finds a gap above the checkpoint, or above 0 when none is stored', () => {
    const ahead = { firstOffset: '1226', highWatermark: '1300' };
    expect(batchContinuity('t:0', '307', ahead)).toEqual({ kind: 'gap', checkpoint: '307' });
    expect(batchContinuity('t:0', null, ahead)).toEqual({ kind: 'gap', checkpoint: '0' });
  });

  it('raises an alarm when the log ends below the checkpoint', () => {
    const verdict = batchContinuity('t:0', '500', { firstOffset: '400', highWatermark: '450' });
    expect(verdict).toMatchObject({ kind: 'log-went-back', error: { code: 'HISTORY_TRUNCATED' } });
  });
});

describe('judgeGap', () => {
  it('passes a gap inside the log (markers, compaction) and refuses one the log no longer holds', () => {
    expect(judgeGap('t:0', '307', '0')).toBeNull();
    expect(judgeGap('t:0', '307', '307')).toBeNull();
    const truncated = judgeGap('t:0', '307', '1226');
    expect(truncated).toMatchObject({
      code: 'HISTORY_TRUNCATED',
      context: { partitionKey: 't:0', checkpoint: '307', logStart: '1226' },
    });
  });
});
