import type { DeadLetterEntry, DeadLetterReason } from './ports/dead-letter-sink.ts';
import type { SourceRecord } from './ports/source-record.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Everything needed to inspect and replay a poison record; nothing about it is dropped. */
export function deadLetterEntry(
  record: SourceRecord,
  rejection: { reason: DeadLetterReason; message: string },
  envelope?: { event_id?: string; event_name?: string; correlation_id?: string | undefined },
): DeadLetterEntry {
  const value = encodeBytes(record.value);
  return {
    reason: rejection.reason,
    message: rejection.message,
    original: {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: record.key === null ? null : record.key.toString('utf8'),
      value: value.text,
      value_encoding: value.encoding,
      headers: headersAsText(record.headers),
    },
    event_id: envelope?.event_id ?? null,
    event_name: envelope?.event_name ?? null,
    correlation_id: envelope?.correlation_id ?? null,
  };
}

function encodeBytes(bytes: Buffer | null): { text: string | null; encoding: 'utf8' | 'base64' } {
  if (bytes === null) return { text: null, encoding: 'utf8' };
  try {
    return { text: utf8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: bytes.toString('base64'), encoding: 'base64' };
  }
}

function headersAsText(headers: SourceRecord['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return out;
}
