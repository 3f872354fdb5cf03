import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deadLetterEntry, MAX_DEAD_LETTER_VALUE_BYTES } from './dead-letter.ts';
import type { SourceRecord } from './ports/source-record.ts';

function record(value: Buffer | null): SourceRecord {
  return {
    topic: 'cart-events',
    partition: 2,
    offset: '41',
    key: Buffer.from('s-1'),
    value,
    headers: { trace: Buffer.from('abc') },
    timestamp: '0',
  };
}
const poison = { reason: 'invalid_json' as const, message: 'not JSON' };

describe('deadLetterEntry', () => {
  it('carries a value up to the limit whole, as UTF-8 or base64', () => {
    const text = Buffer.alloc(MAX_DEAD_LETTER_VALUE_BYTES, 'a');
    expect(deadLetterEntry(record(text), poison).original).toMatchObject({
      value: text.toString('utf8'),
      value_encoding: 'utf8',
      headers: { trace: 'abc' },
    });
    const bytes = Buffer.from([0xff, 0xfe, 0x00]);
    const entry = deadLetterEntry(record(bytes), poison);
    expect(entry.original).toMatchObject({ value: '//4A', value_encoding: 'base64' });
    expect(entry.original.value_truncated).toBeUndefined();
  });

  it('bounds a larger value to a head with its size and SHA-256, keeping the coordinates', () => {
    const large = Buffer.alloc(1_000_000, 0xff);
    const entry = deadLetterEntry(record(large), poison);
    expect(entry.original).toMatchObject({
      topic: 'cart-events',
      partition: 2,
      offset: '41',
      value_encoding: 'base64',
      value_truncated: {
        bytes: 1_000_000,
        sha256: createHash('sha256').update(large).digest('hex'),
      },
    });
    expect(Buffer.from(entry.original.value ?? '', 'base64')).toHaveLength(1024);
    expect(JSON.stringify(entry).length).toBeLessThan(4096);
  });
});
