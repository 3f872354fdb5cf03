import { describe, expect, it } from 'vitest';
import { ifNoneMatchHits, parseReadQuery } from './read-query.ts';

const parse = (query: string) => parseReadQuery(new URLSearchParams(query));

describe('parseReadQuery', () => {
  it('reads at_least positions, repeated or comma-separated, with an optional timeout', () => {
    expect(
      parse('at_least=cart-events:2:17,staging.payment-events:0:0&at_least=x.y:1:5&timeout_ms=250'),
    ).toEqual({
      ok: true,
      value: {
        atLeast: [
          { topic: 'cart-events', partition: 2, offset: '17' },
          { topic: 'staging.payment-events', partition: 0, offset: '0' },
          { topic: 'x.y', partition: 1, offset: '5' },
        ],
        timeoutMs: 250,
      },
    });
    expect(parse('')).toEqual({ ok: true, value: { atLeast: [] } });
  });

  it.each([
    'at_least=cart-events:2',
    'at_least=cart-events:-1:3',
    'at_least=cart-events:1:07',
    'at_least=a b:1:2',
    'at_least=',
  ])('refuses a malformed position: %s', (query) =>
    expect(parse(query)).toMatchObject({
      ok: false,
      error: expect.stringContaining('<topic>:<partition>:<offset>'),
    }),
  );

  it.each(['timeout_ms=30001', 'timeout_ms=-1', 'timeout_ms=1.5', 'timeout_ms='])(
    'refuses %s',
    (query) =>
      expect(parse(query)).toMatchObject({
        ok: false,
        error: expect.stringContaining('timeout_ms'),
      }),
  );
});

describe('ifNoneMatchHits', () => {
  it('matches the tag in a list, weak or strong, or *', () => {
    expect(ifNoneMatchHits('"a", W/"b"', '"b"')).toBe(true);
    expect(ifNoneMatchHits('"a"', '"a"')).toBe(true);
    expect(ifNoneMatchHits('*', '"a"')).toBe(true);
    expect(ifNoneMatchHits('"a"', '"b"')).toBe(false);
    expect(ifNoneMatchHits(undefined, '"b"')).toBe(false);
  });
});
