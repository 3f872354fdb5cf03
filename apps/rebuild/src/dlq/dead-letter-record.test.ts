import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDeadLetter } from './dead-letter-record.ts';
import { replayRecord } from './replay-message.ts';
import { deadLetterEntry } from './test-entries.ts';

const at = { partition: 0, offset: '7' };

describe('decodeDeadLetter', () => {
  it('reads back what the engine dead-letters', () => {
    const entry = deadLetterEntry();
    expect(decodeDeadLetter(at, Buffer.from(JSON.stringify(entry)))).toEqual({
      kind: 'entry',
      at,
      entry,
    });
  });

  it('keeps reasons it does not know and fills what it does not need', () => {
    const { correlation_id: _c, ...entry } = deadLetterEntry({ reason: 'schema_too_new' as never });
    const decoded = decodeDeadLetter(at, Buffer.from(JSON.stringify(entry)));
    expect(decoded).toMatchObject({
      kind: 'entry',
      entry: { reason: 'schema_too_new', correlation_id: null },
    });
  });

  it('reports a message it cannot replay, and why', () => {
    expect(decodeDeadLetter(at, null)).toEqual({
      kind: 'unreadable',
      at,
      problem: 'the message has no value',
    });
    expect(decodeDeadLetter(at, Buffer.from('{oops'))).toMatchObject({
      kind: 'unreadable',
      problem: expect.stringContaining('not JSON'),
    });
    const noOffset = deadLetterEntry({ original: { offset: 'x' } });
    expect(decodeDeadLetter(at, Buffer.from(JSON.stringify(noOffset)))).toMatchObject({
      kind: 'unreadable',
      problem: expect.stringContaining('original.offset'),
    });
  });
});

describe('replayRecord', () => {
  it('re-produces the original key, value and headers to the original topic and partition, marked as replayed', () => {
    const entry = deadLetterEntry();
    expect(replayRecord(at, entry)).toEqual({
      topic: 'cart-events',
      message: {
        partition: 1,
        key: Buffer.from('s-1'),
        value: Buffer.from('{"event_id":"e-1"}'),
        headers: { traceparent: Buffer.from('00-abc'), 'x-dlq-replayed-from': '0:7' },
      },
    });
  });

  it('decodes base64 values back to their bytes, and keeps null keys and values', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00]);
    const entry = deadLetterEntry({
      original: { key: null, value: bytes.toString('base64'), value_encoding: 'base64' },
    });
    expect(replayRecord(at, entry).message).toMatchObject({ key: null, value: bytes });
    expect(
      replayRecord(at, deadLetterEntry({ original: { value: null } })).message.value,
    ).toBeNull();
  });
});

describe('decodeDeadLetter of hostile messages', () => {
  it('never throws: random bytes and random JSON are entries or unreadable', () => {
    const bytes = fc.uint8Array({ maxLength: 256 }).map((array) => Buffer.from(array));
    const json = fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)));
    fc.assert(
      fc.property(fc.option(fc.oneof(bytes, json), { nil: null }), (value) => {
        const letter = decodeDeadLetter(at, value);
        expect(['entry', 'unreadable']).toContain(letter.kind);
      }),
      { numRuns: 1000 },
    );
  });
});
