import type { SourceRecord } from '@checkout/engine';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/**
 * One kafkajs message as the engine's `SourceRecord` (SPEC §2: key = session id bytes, value =
 * JSON envelope bytes; both passed through untouched, decoding is the engine's job).
 * A header sent more than once keeps its last value, like the Java client's `lastHeader`.
 */
export function toSourceRecord(
  topic: string,
  partition: number,
  message: KafkaMessage,
): SourceRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: lastHeaderValues(message.headers),
    timestamp: message.timestamp,
  };
}

function lastHeaderValues(
  headers: IHeaders | undefined,
): Record<string, Buffer | string | undefined> {
  const out: Record<string, Buffer | string | undefined> = {};
  if (headers === undefined) return out;
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return out;
}
