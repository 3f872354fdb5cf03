import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareOffsets,
  lowerOffset,
  offsetAfter,
  offsetBefore,
  positionKey,
  recordsBetween,
} from './record-position.ts';
import { CHECKOUT_TOPICS } from './topics.ts';

const sign = (n: number) => Math.sign(n);

describe('compareOffsets', () => {
  it('orders any integer strings as BigInt does, canonical or not', () => {
    const offset = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
      fc.stringMatching(/^[+-]?0*[0-9]{1,20}$/),
    );
    fc.assert(
      fc.property(offset, offset, (a, b) => {
        const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        expect(sign(compareOffsets(a, b))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('positionKey', () => {
  it('is "<topic>:<partition>" for every partition, memoised or not', () => {
    const topic = fc.constantFrom(...CHECKOUT_TOPICS, 'other-events');
    const partition = fc.oneof(fc.nat({ max: 2000 }), fc.integer(), fc.double());
    fc.assert(
      fc.property(topic, partition, (t, p) => {
        const position = { topic: t as (typeof CHECKOUT_TOPICS)[number], partition: p };
        expect(positionKey(position)).toBe(`${t}:${p}`);
        expect(positionKey(position)).toBe(`${t}:${p}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('offsetAfter / offsetBefore', () => {
  it('step int64 offsets exactly, past what a double holds', () => {
    expect(offsetAfter('9007199254740993')).toBe('9007199254740994');
    expect(offsetBefore('9007199254740993')).toBe('9007199254740992');
    expect(offsetAfter('0')).toBe('1');
  });
});

describe('recordsBetween and lowerOffset', () => {
  it('count the offsets up to the end, never below zero, beyond 2^53', () => {
    expect(recordsBetween('10', '25')).toBe(15);
    expect(recordsBetween('25', '10')).toBe(0);
    expect(recordsBetween('9007199254740993', '9007199254740995')).toBe(2);
    expect(lowerOffset('9', '10')).toBe('9');
    expect(lowerOffset('10', '9')).toBe('9');
  });
});
