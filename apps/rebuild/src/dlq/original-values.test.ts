import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '@checkout/redis';
import { replayRefusal } from './original-values.ts';
import { deadLetterEntry } from './test-entries.ts';

const partitions = 6;
const key = 's-1';
const home = partitionForKey(key, partitions);
const value = '{"event_id":"e-1"}';
const entry = (original: Parameters<typeof deadLetterEntry>[0] = {}) =>
  deadLetterEntry({ ...original, original: { partition: home, ...original.original } });
const record = { key: Buffer.from(key), value: Buffer.from(value), partitions };

describe('replayRefusal', () => {
  it('lets an entry through that matches its original record and partition', () => {
    expect(replayRefusal(entry(), record)).toBeUndefined();
  });

  it('refuses an entry whose original is gone, or differs in key or value', () => {
    expect(replayRefusal(entry(), undefined)).toBe('original_gone');
    expect(replayRefusal(entry(), { ...record, key: Buffer.from('s-2') })).toBe(
      'original_mismatch',
    );
    expect(replayRefusal(entry(), { ...record, value: Buffer.from('{}') })).toBe(
      'original_mismatch',
    );
  });

  it('refuses an entry steered to another partition than its key belongs to', () => {
    const elsewhere = (home + 1) % partitions;
    expect(replayRefusal(entry({ original: { partition: elsewhere } }), record)).toBe(
      'not_its_partition',
    );
    expect(replayRefusal(entry({ original: { key: null } }), { ...record, key: null })).toBe(
      'not_its_partition',
    );
  });

  it('checks a truncated value by size and SHA-256, and a base64 key by its bytes', () => {
    const large = Buffer.alloc(300_000, 'x');
    const truncated = entry({
      original: {
        value: 'xxx',
        value_truncated: {
          bytes: large.length,
          sha256: createHash('sha256').update(large).digest('hex'),
        },
      },
    });
    expect(replayRefusal(truncated, { ...record, value: large })).toBeUndefined();
    expect(replayRefusal(truncated, { ...record, value: large.subarray(1) })).toBe(
      'original_mismatch',
    );
    const bytes = Buffer.from([0xff, 0x00]);
    const binary = entry({
      original: {
        key: bytes.toString('base64'),
        key_encoding: 'base64',
        partition: partitionForKey(bytes, partitions),
      },
    });
    expect(replayRefusal(binary, { ...record, key: bytes })).toBeUndefined();
  });
});
