import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadLetterEntry, deadLetterHeaderBytes, deadLetterKeyBytes } from './dead-letter.ts';
import {
  deadLetterEntrySchema,
  parseDeadLetterEntry,
  renderDeadLetterEntryJsonSchema,
} from './dead-letter-schema.ts';
import type { SourceRecord } from './ports/source-record.ts';

const committedFile = new URL('../schema/dead-letter-entry.schema.json', import.meta.url);

describe('dead-letter-entry.schema.json', () => {
  it('is what the zod entry schema generates', () => {
    expect(
      readFileSync(committedFile, 'utf8') === renderDeadLetterEntryJsonSchema(),
      'packages/engine/schema/dead-letter-entry.schema.json is out of date: run `pnpm generate:json-schema` and commit it',
    ).toBe(true);
  });
});

const bytes = fc.uint8Array({ maxLength: 64 }).map((array) => Buffer.from(array));
const headerName = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'traceparent'),
  fc.string(),
);
const record = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.dictionary(
    headerName,
    fc.oneof(bytes, fc.string(), fc.array(fc.oneof(bytes, fc.string()), { minLength: 1 })),
    { noNullPrototype: false },
  ),
});

/** A header value as bytes, however it arrived. */
const asBytes = (value: Buffer | string) =>
  typeof value === 'string' ? Buffer.from(value, 'utf8') : value;

describe('a dead-letter entry of random bytes', () => {
  it('is valid against the schema, survives JSON, and gives back the key and every header byte for byte', () => {
    fc.assert(
      fc.property(record, ({ key, value, headers }) => {
        const source: SourceRecord = {
          topic: 'cart-events',
          partition: 0,
          offset: '7',
          timestamp: '0',
          key,
          value,
          headers,
        };
        const entry = deadLetterEntry(source, { reason: 'invalid_json', message: 'bad' });
        const decoded = parseDeadLetterEntry(
          deadLetterEntrySchema,
          JSON.parse(JSON.stringify(entry)),
        );
        if (!decoded.success) throw decoded.error;
        const { original } = decoded.data;
        expect(deadLetterKeyBytes(original)).toEqual(key);
        const back = deadLetterHeaderBytes(original.headers);
        expect(Object.keys(back).sort()).toEqual(Object.keys(headers).sort());
        for (const [name, original] of Object.entries(headers)) {
          const expected = Array.isArray(original) ? original.map(asBytes) : asBytes(original);
          expect(back[name]).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});
