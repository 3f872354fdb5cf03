import { crc32 } from 'node:zlib';
import { encodeSnapshot, initialCheckoutOrder } from '@checkout/domain';
import { describe, expect, it } from 'vitest';
import {
  checkedDocument,
  MARKER_KEY,
  markerMessage,
  readChangelogRecord,
  snapshotMessage,
} from './changelog-records.ts';

/** A snapshot record as a restore reads it back from Kafka. */
function readBack(message: ReturnType<typeof snapshotMessage>) {
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, value]) => [
      name,
      Buffer.from(String(value)),
    ]),
  );
  const record = readChangelogRecord(
    Buffer.from(String(message.key)),
    message.value as Buffer,
    headers,
  );
  if (record.kind !== 'snapshot') throw new Error(`not a snapshot: ${record.kind}`);
  return record;
}

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
      value: Buffer.from('{"a":1}'),
      checksum: undefined,
    });
  });

  it('a snapshot is sealed with a checksum of the document bytes, which are passed through as they are', () => {
    const order = initialCheckoutOrder('s-ü 1');
    const record = readBack(snapshotMessage(0, 's-ü 1', order));
    expect(checkedDocument(record)).toEqual({
      ok: true,
      document: Buffer.from(encodeSnapshot(order)),
    });
  });

  it('refuses a value damaged after it was published, one byte changed', () => {
    const record = readBack(snapshotMessage(0, 's-1', initialCheckoutOrder('s-1')));
    const damaged = Buffer.from(record.value);
    const at = damaged.length - 3;
    damaged[at] = (damaged[at] ?? 0) ^ 0x01;
    const checked = checkedDocument({ ...record, value: damaged });
    expect(checked).toMatchObject({ ok: false, reason: 'corrupt' });
    expect(checked.ok === false && checked.reason === 'corrupt' && checked.message).toMatch(
      /checksum does not match/,
    );
  });

  /**
   * The checksum proves the bytes are what some projector sealed, not that they are this
   * session's document of this schema version: a record re-keyed by a tool, or published by
   * a projector with a newer schema, must be refused too, and that check reads only the
   * document's first bytes, which encodeSnapshot always writes in the same order.
   */
  it('refuses a sealed document of another session or another schema version', () => {
    const other = readBack(snapshotMessage(0, 's-2', initialCheckoutOrder('s-2')));
    expect(checkedDocument({ ...other, sessionId: 's-1' })).toMatchObject({
      ok: false,
      reason: 'corrupt',
    });
    const newer = Buffer.from(
      encodeSnapshot(initialCheckoutOrder('s-1')).replace(
        '"schema_version":1,',
        '"schema_version":2,',
      ),
    );
    const sealed = readBack({
      ...snapshotMessage(0, 's-1', initialCheckoutOrder('s-1')),
      value: newer,
    });
    expect(checkedDocument({ ...sealed, checksum: String(crc32(newer)) })).toMatchObject({
      ok: false,
      reason: 'corrupt',
    });
  });

  it('says unsealed for a record published before the checksum existed', () => {
    const record = readChangelogRecord(
      Buffer.from('s-1'),
      Buffer.from(encodeSnapshot(initialCheckoutOrder('s-1'))),
    );
    expect(record.kind === 'snapshot' && checkedDocument(record)).toEqual({
      ok: false,
      reason: 'unsealed',
    });
  });
});
