import { describe, expect, it } from 'vitest';
import { resumeTarget } from './resume-target.ts';

describe('resumeTarget', () => {
  it('resumes at the stored checkpoint when the log still holds it', () => {
    expect(resumeTarget('cart-events:0', { checkpoint: '42', low: '0', high: '100' })).toEqual({
      ok: true,
      offset: '42',
    });
    expect(resumeTarget('cart-events:0', { checkpoint: '10', low: '10', high: '10' })).toEqual({
      ok: true,
      offset: '10',
    });
  });

  it('starts at offset 0 without a checkpoint when the log is complete', () => {
    expect(resumeTarget('cart-events:0', { checkpoint: null, low: '0', high: '5' })).toEqual({
      ok: true,
      offset: '0',
    });
  });

  it('refuses a checkpoint below the log start: retention deleted unprojected events', () => {
    const target = resumeTarget('cart-events:1', { checkpoint: '5', low: '20', high: '30' });
    expect(target.ok).toBe(false);
    if (!target.ok) {
      expect(target.error.code).toBe('HISTORY_TRUNCATED');
      expect(target.error.canRetry).toBe(false);
      expect(target.error.message).toContain('cart-events:1');
    }
  });

  it('refuses to start from a truncated log without a checkpoint', () => {
    const target = resumeTarget('cart-events:1', { checkpoint: null, low: '3', high: '30' });
    expect(target).toMatchObject({ ok: false, error: { code: 'HISTORY_TRUNCATED' } });
  });

  it('refuses a checkpoint beyond the log end: the topic was recreated', () => {
    const target = resumeTarget('cart-events:2', { checkpoint: '50', low: '0', high: '7' });
    expect(target).toMatchObject({ ok: false, error: { code: 'HISTORY_TRUNCATED' } });
    if (!target.ok) expect(target.error.message).toContain('recreated');
  });

  it('compares offsets as int64, not as text or doubles', () => {
    const big = {
      checkpoint: '9007199254740993',
      low: '9007199254740992',
      high: '9007199254740999',
    };
    expect(resumeTarget('p:0', big)).toEqual({ ok: true, offset: '9007199254740993' });
    expect(resumeTarget('p:0', { checkpoint: '9', low: '10', high: '11' }).ok).toBe(false);
  });
});
