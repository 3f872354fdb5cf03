import { createHash } from 'node:crypto';
import type {
  DeadLetterEntry,
  DeadLetterHeaderValue,
  DeadLetterReason,
} from './ports/dead-letter-sink.ts';
import type { SourceRecord } from './ports/source-record.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Everything needed to inspect and replay a poison record; nothing about it is dropped. */
export function deadLetterEntry(
  record: SourceRecord,
  rejection: { reason: DeadLetterReason; message: string },
  envelope?: { event_id?: string; event_name?: string; correlation_id?: string | undefined },
): DeadLetterEntry {
  const value = boundedValue(record.value);
  return {
    reason: rejection.reason,
    message: rejection.message,
    original: {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      ...keyOf(record.key),
      value: value.text,
      value_encoding: value.encoding,
      ...(value.truncated === undefined ? {} : { value_truncated: value.truncated }),
      headers: headersAsText(record.headers),
    },
    event_id: envelope?.event_id ?? null,
    event_name: envelope?.event_name ?? null,
    correlation_id: envelope?.correlation_id ?? null,
  };
}

/**
 * Largest record value a dead-letter entry carries whole. Entries must stay well inside the
 * broker's `message.max.bytes` (1 MiB by default) after JSON escaping and base64 (a third
 * more), or their publish fails forever and blocks the partition; a valid event is far
 * smaller. A larger value keeps a head of `TRUNCATED_HEAD_BYTES` and its size and hash.
 */
export const MAX_DEAD_LETTER_VALUE_BYTES = 256 * 1024;
const TRUNCATED_HEAD_BYTES = 1024;

function boundedValue(bytes: Buffer | null): {
  text: string | null;
  encoding: 'utf8' | 'base64';
  truncated?: { bytes: number; sha256: string };
} {
  if (bytes === null || bytes.length <= MAX_DEAD_LETTER_VALUE_BYTES) return encodeBytes(bytes);
  const truncated = {
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  const head = encodeBytes(bytes.subarray(0, TRUNCATED_HEAD_BYTES));
  // A head cut inside a UTF-8 sequence is no longer valid UTF-8: say so in base64 then.
  return { ...head, truncated };
}

function encodeBytes(bytes: Buffer | null): { text: string | null; encoding: 'utf8' | 'base64' } {
  if (bytes === null) return { text: null, encoding: 'utf8' };
  try {
    return { text: utf8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: bytes.toString('base64'), encoding: 'base64' };
  }
}

function keyOf(key: Buffer | null): { key: string | null; key_encoding: 'utf8' | 'base64' } {
  const { text, encoding } = encodeBytes(key);
  return { key: text, key_encoding: encoding };
}

/** Object.fromEntries, not assignment: a header named `__proto__` stays a header. */
function headersAsText(headers: SourceRecord['headers']): DeadLetterEntry['original']['headers'] {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(
        (header): header is [string, Buffer | string | ReadonlyArray<Buffer | string>] =>
          header[1] !== undefined,
      )
      .map(([name, value]) => [
        name,
        isList(value) ? value.map(headerValueOf) : headerValueOf(value),
      ]),
  );
}

function isList<T>(value: T | ReadonlyArray<T>): value is ReadonlyArray<T> {
  return Array.isArray(value);
}

function headerValueOf(value: Buffer | string): DeadLetterHeaderValue {
  if (typeof value === 'string') return value;
  const { text, encoding } = encodeBytes(value);
  return encoding === 'utf8' ? (text ?? '') : { base64: text ?? '' };
}

/** The bytes of an entry's key, as the original record had them. */
export function deadLetterKeyBytes(
  original: Pick<DeadLetterEntry['original'], 'key' | 'key_encoding'>,
): Buffer | null {
  if (original.key === null) return null;
  return Buffer.from(original.key, original.key_encoding === 'base64' ? 'base64' : 'utf8');
}

/** An entry's headers as Kafka headers again, byte for byte, repeats and all. */
export function deadLetterHeaderBytes(
  headers: DeadLetterEntry['original']['headers'],
): Record<string, Buffer | Buffer[]> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(headerBytes) : headerBytes(value),
    ]),
  );
}

function headerBytes(value: DeadLetterHeaderValue): Buffer {
  return typeof value === 'string'
    ? Buffer.from(value, 'utf8')
    : Buffer.from(value.base64, 'base64');
}
