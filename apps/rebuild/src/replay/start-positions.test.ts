import { describe, expect, it } from 'vitest';
import { startPositions } from './start-positions.ts';

const marks = new Map([
  ['cart-events:0', { low: '0', high: '100' }],
  ['cart-events:1', { low: '0', high: '30' }],
]);

describe('startPositions', () => {
  it('starts at 0 from the earliest offset', () => {
    expect(startPositions(marks, { kind: 'earliest' })).toEqual({
      ok: true,
      value: [
        { field: 'cart-events:0', start: 0n, high: 100n },
        { field: 'cart-events:1', start: 0n, high: 30n },
      ],
    });
  });

  it('starts at an offset, or at the end of a shorter partition', () => {
    expect(startPositions(marks, { kind: 'offset', offset: 50n })).toMatchObject({
      ok: true,
      value: [{ start: 50n }, { start: 30n, high: 30n }],
    });
  });

  it('refuses to jump over deleted history (exit 5)', () => {
    const truncated = new Map([['cart-events:0', { low: '40', high: '100' }]]);
    for (const rule of [{ kind: 'earliest' } as const, { kind: 'offset', offset: 10n } as const]) {
      expect(startPositions(truncated, rule)).toMatchObject({
        ok: false,
        error: {
          code: 'HISTORY_TRUNCATED',
          message: expect.stringMatching(/now starts at offset 40/),
        },
      });
    }
    expect(startPositions(truncated, { kind: 'offset', offset: 40n })).toMatchObject({ ok: true });
  });

  it('resumes from stored checkpoints, which must lie inside the log', () => {
    const checkpoints = new Map([['cart-events:0', '70']]);
    expect(startPositions(marks, { kind: 'checkpoints', checkpoints })).toMatchObject({
      ok: true,
      value: [{ start: 70n }, { start: 0n }],
    });
    expect(
      startPositions(marks, {
        kind: 'checkpoints',
        checkpoints: new Map([['cart-events:1', '31']]),
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'HISTORY_TRUNCATED', message: expect.stringMatching(/beyond the log end 30/) },
    });
  });
});
