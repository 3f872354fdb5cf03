import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './partition-for-key.ts';

describe('partitionForKey', () => {
  it("matches Kafka's Utils.murmur2 test vectors (clients/src/test/.../UtilsTest.java)", () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) expect(murmur2(Buffer.from(key)), key).toBe(hash);
  });

  it('takes the positive hash modulo the partition count, for text and bytes alike', () => {
    expect(partitionForKey('foobar', 1)).toBe(0);
    expect(partitionForKey('foobar', 3)).toBe((-790332482 & 0x7fffffff) % 3);
    expect(partitionForKey(Buffer.from('s-1-17'), 12)).toBe(partitionForKey('s-1-17', 12));
    expect(partitionForKey('zażółć', 7)).toBe(partitionForKey(Buffer.from('zażółć', 'utf8'), 7));
  });

  it('gives the partitions of the README test vectors (for readers in other languages)', () => {
    const vectors: Array<[string, number, number, number]> = [
      // session id, murmur2 (signed int32), partition of 6, partition of 12
      ['', 275646681, 3, 9],
      ['a', -1563381124, 4, 4],
      ['abc', 479470107, 3, 3],
      ['21', -973932308, 0, 0],
      ['foobar', -790332482, 0, 6],
      ['s-1-1', -1939487489, 3, 3],
      ['session-42', 880271230, 4, 10],
      ['checkout-session-1', -2104846773, 5, 11],
      ['zażółć', 2056704, 0, 0],
    ];
    for (const [key, hash, of6, of12] of vectors) {
      expect(murmur2(Buffer.from(key, 'utf8')), key).toBe(hash);
      expect([partitionForKey(key, 6), partitionForKey(key, 12)], key).toEqual([of6, of12]);
    }
  });

  it('spreads keys over every partition', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i += 1) seen.add(partitionForKey(`s-${i}`, 6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses a partition count below one', () => {
    expect(() => partitionForKey('a', 0)).toThrow(RangeError);
  });
});
