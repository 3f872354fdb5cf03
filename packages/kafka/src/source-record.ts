import type { SourceRecord } from '@checkout/engine';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/**
 * One kafkajs message as the engine's `SourceRecord` (SPEC §2: key = session id bytes, value =
 * JSON envelope bytes; both passed through untouched, decoding is the engine's job).
 * Every header is kept: one sent more than once keeps all its values, in order.
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
    headers: everyHeader(message.headers),
    timestamp: message.timestamp,
  };
}

/** Every header, repeats in order; Object.fromEntries keeps a header named `__proto__`. */
function everyHeader(headers: IHeaders | undefined): SourceRecord['headers'] {
  if (headers === undefined) return {};
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? onlyValues(value) : value,
    ]),
  );
}

/**
 * kafkajs' decoder reads `headers[name]` before it stores a header, which for `__proto__` is
 * Object.prototype: that header arrives as `[Object.prototype, value]`. Keep the real values.
 */
function onlyValues(
  values: ReadonlyArray<Buffer | string>,
): Buffer | string | ReadonlyArray<Buffer | string> {
  const real = values.filter((value) => typeof value === 'string' || Buffer.isBuffer(value));
  return real.length === 1 && real[0] !== undefined ? real[0] : real;
}
