import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toUtcTimestamp } from './utc-timestamp.ts';
import { eventEnvelopeSchema } from './envelope.ts';

const two = (n: number) => String(n).padStart(2, '0');

/** RFC 3339 texts as the envelope schema accepts them: any year, fraction and offset. */
const rfc3339 = fc
  .record({
    ms: fc.integer({
      min: Date.UTC(0, 0, 1) - 86_400_000,
      max: Date.UTC(9999, 11, 31) + 86_400_000,
    }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    offsetMinutes: fc.option(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), {
      nil: undefined,
    }),
  })
  .map(({ ms, fraction, offsetMinutes }) => {
    const local = new Date(ms + (offsetMinutes ?? 0) * 60_000).toISOString();
    const seconds = local.slice(local.length - 24, local.length - 5).replace(/^[+-]0*/, '');
    const offset =
      offsetMinutes === undefined
        ? 'Z'
        : `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offsetMinutes) / 60))}:${two(Math.abs(offsetMinutes) % 60)}`;
    return `${seconds.padStart(19, '0')}${fraction === undefined ? '' : `.${fraction}`}${offset}`;
  });

function viaDate(text: string): string {
  try {
    return new Date(text).toISOString();
  } catch (error) {
    return `throws ${String(error)}`;
  }
}

function viaArithmetic(text: string): string {
  try {
    return toUtcTimestamp(text);
  } catch (error) {
    return `throws ${String(error)}`;
  }
}

describe('toUtcTimestamp', () => {
  it('equals new Date(text).toISOString() for every RFC 3339 text, years 0000–9999 and beyond', () => {
    fc.assert(
      fc.property(rfc3339, (text) => {
        expect(eventEnvelopeSchema.shape.occurred_at.safeParse(text).success).toBe(true);
        expect(viaArithmetic(text)).toBe(viaDate(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps the edges of the 4-digit years and leap days', () => {
    for (const text of [
      '0000-01-01T00:00:00Z',
      '0000-01-01T00:30:00+01:00',
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:30:00-01:00',
      '2024-02-29T23:00:00.5-01:00',
      '1900-02-28T23:59:59.9999999-00:01',
      '1969-12-31T23:59:59.999Z',
    ]) {
      expect(viaArithmetic(text)).toBe(viaDate(text));
    }
  });
});
