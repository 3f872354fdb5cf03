import { describe, expect, it } from 'vitest';
import { MARKER_KEY, markerMessage, readChangelogRecord } from './changelog-records.ts';

describe('snapshot changelog records', () => {
  it('a marker key can never be a session id: it is not valid UTF-8', () => {
    expect(Buffer.from(MARKER_KEY.toString('utf8'), 'utf8').equals(MARKER_KEY)).toBe(false);
  });

  it('reads a marker back with its positions', () => {
    const message = markerMessage(2, new Map([['cart-events:2', '41']]));
    expect(readChangelogRecord(MARKER_KEY, Buffer.from(String(message.value)))).toEqual({
      kind: 'marker',
      positions: new Map([['cart-events:2', '41']]),
    });
  });

  it('skips tombstones, keys that are not UTF-8 and markers that do not parse', () => {
    expect(readChangelogRecord(Buffer.from('s-1'), null)).toEqual({ kind: 'other' });
    expect(readChangelogRecord(Buffer.from([0xfe, 0x41]), Buffer.from('{}'))).toEqual({
      kind: 'other',
    });
    expect(readChangelogRecord(MARKER_KEY, Buffer.from('{"positions":"x"}'))).toEqual({
      kind: 'other',
    });
    expect(readChangelogRecord(Buffer.from('s-1'), Buffer.from('{"a":1}'))).toEqual({
      kind: 'snapshot',
      sessionId: 's-1',
      document: '{"a":1}',
    });
  });
});
