import { CHECKOUT_TOPICS, isCheckoutTopic, type CheckoutTopic } from '@checkout/domain';
import type { SourceRecord, TopicNames } from '@checkout/engine';

/**
 * # The EventStoreDB archive contract (what a Kafka→EventStoreDB archiver writes)
 *
 * One ESDB event per Kafka record of the five checkout topics:
 *
 * | ESDB field   | holds                                                                   |
 * |--------------|-------------------------------------------------------------------------|
 * | stream       | any non-system stream; we suggest `checkout-<sessionId>` (readers only  |
 * |              | need `$all`, so the stream layout is the archiver's choice)             |
 * | event type   | the envelope's `event_name` (`cart.item_added`, …)                      |
 * | data         | the Kafka value as produced. Prefer content type                        |
 * |              | `application/octet-stream`: the bytes are replayed exactly. With        |
 * |              | `application/json` the client hands us parsed JSON, which is            |
 * |              | re-serialized: the same value for `JSON.parse`, not always the same     |
 * |              | bytes (whitespace, number spelling)                                     |
 * | metadata     | JSON object with the original Kafka coordinates:                        |
 * |              | `kafka_topic` (string, required), `kafka_partition` (int ≥ 0, required),|
 * |              | `kafka_offset` (int ≥ 0 or a decimal string, required: write it as a    |
 * |              | string, offsets are int64), `kafka_key` (string or null; absent = null),|
 * |              | `kafka_timestamp` (ms since epoch, int or decimal string; absent = the  |
 * |              | ESDB created time), `kafka_headers` (optional object of strings)        |
 *
 * Mapped to an engine SourceRecord: topic = the physical name of `kafka_topic` under the
 * target TopicNames (the archive may hold logical names or the deployment's physical ones),
 * partition and offset = the original ones, key = `kafka_key` as UTF-8, value = the data
 * bytes, headers = `kafka_headers` + `esdb-event-id` + `esdb-stream`.
 *
 * Because the offsets are the original Kafka offsets, a generation rebuilt from the archive
 * holds checkpoints in Kafka's coordinates: the Kafka source continues from them at the log
 * start, the engine's offset guard skips anything replayed twice (an archiver that wrote a
 * record twice, or an overlap with what Kafka still holds).
 *
 * What is not mapped is never dropped silently:
 * - `system`: `$`-typed events (links, metadata, projections' output) and `$` streams;
 * - `foreign`: neither a checkout event type (`cart.`, `shipping.`, … prefixes) nor metadata
 *   naming a checkout topic: other data in the same database; counted;
 * - `filtered`: a checkout topic the caller did not ask for; counted;
 * - unmappable: looks like an archived checkout event but its metadata is missing or odd:
 *   reported with a reason code (count and first examples by the caller).
 */
export type ArchiveMapping =
  | { kind: 'record'; record: SourceRecord }
  | { kind: 'skipped'; why: 'system' | 'foreign' | 'filtered' }
  | { kind: 'unmappable'; event: UnmappableEvent };

export type UnmappableReason = 'missing_metadata' | 'invalid_metadata' | 'unknown_topic';

export interface UnmappableEvent {
  reason: UnmappableReason;
  /** For humans: names the field and what was wrong. */
  message: string;
  eventId: string;
  streamId: string;
  eventType: string;
}

/** The fields of a recorded ESDB event the mapping reads (the client's RecordedEvent has them). */
export interface ArchivedEvent {
  id: string;
  streamId: string;
  type: string;
  isJson: boolean;
  /** Parsed JSON (or the raw text, when it did not parse) for JSON events; bytes otherwise. */
  data: unknown;
  /** Parsed JSON when it parsed; bytes or undefined otherwise. */
  metadata: unknown;
  created: Date;
}

export interface ArchiveMappingOptions {
  /** Where the records go: the physical names of the deployment being rebuilt. */
  topics: TopicNames;
  /**
   * How the archive named the topics, when it was written under another prefix than
   * `topics` (e.g. archived from `prod.`, replayed into `staging.`). Logical names always map.
   * @default topics
   */
  archiveTopics?: TopicNames;
  /** Only these logical topics; the others are skipped as `filtered`. @default all five */
  only?: readonly CheckoutTopic[];
}

/** `cart.`, `shipping.`, …: the event-type prefix of each topic (SPEC §2 topic ownership). */
export const CHECKOUT_EVENT_TYPE_PREFIXES: readonly string[] = CHECKOUT_TOPICS.map(
  (topic) => `${topic.replace(/-events$/, '')}.`,
);

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_INT64 = 2n ** 63n - 1n;

export function mapArchivedEvent(
  event: ArchivedEvent,
  options: ArchiveMappingOptions,
): ArchiveMapping {
  if (event.type.startsWith('$') || event.streamId.startsWith('$'))
    return { kind: 'skipped', why: 'system' };
  const metadata = isPlainObject(event.metadata) ? event.metadata : undefined;
  const namedTopic =
    typeof metadata?.['kafka_topic'] === 'string' ? metadata['kafka_topic'] : undefined;
  const logical = namedTopic === undefined ? undefined : logicalTopic(namedTopic, options);
  const checkoutType = CHECKOUT_EVENT_TYPE_PREFIXES.some((prefix) => event.type.startsWith(prefix));
  if (!checkoutType && logical === undefined) return { kind: 'skipped', why: 'foreign' };

  const unmappable = (reason: UnmappableReason, message: string): ArchiveMapping => ({
    kind: 'unmappable',
    event: { reason, message, eventId: event.id, streamId: event.streamId, eventType: event.type },
  });
  if (metadata === undefined || !hasKafkaFields(metadata)) {
    return unmappable(
      'missing_metadata',
      `no Kafka coordinates in the metadata (${describeMetadata(event.metadata)})`,
    );
  }
  if (namedTopic === undefined)
    return unmappable(
      'invalid_metadata',
      `kafka_topic must be a string, got ${describe(metadata['kafka_topic'])}`,
    );
  if (logical === undefined)
    return unmappable(
      'unknown_topic',
      `kafka_topic ${JSON.stringify(namedTopic)} is not one of the checkout topics`,
    );
  if (options.only !== undefined && !options.only.includes(logical))
    return { kind: 'skipped', why: 'filtered' };

  const partition = nonNegativeInteger(metadata['kafka_partition']);
  if (partition === undefined || partition > 2 ** 31 - 1) {
    return unmappable(
      'invalid_metadata',
      `kafka_partition must be an integer ≥ 0, got ${describe(metadata['kafka_partition'])}`,
    );
  }
  const offset = int64(metadata['kafka_offset']);
  if (offset === undefined) {
    return unmappable(
      'invalid_metadata',
      `kafka_offset must be an integer ≥ 0 (a decimal string above 2^53), got ${describe(metadata['kafka_offset'])}`,
    );
  }
  const key = metadata['kafka_key'] ?? null;
  if (key !== null && typeof key !== 'string')
    return unmappable(
      'invalid_metadata',
      `kafka_key must be a string or null, got ${describe(key)}`,
    );
  const timestamp =
    metadata['kafka_timestamp'] === undefined
      ? String(event.created.getTime())
      : int64(metadata['kafka_timestamp']);
  if (timestamp === undefined) {
    return unmappable(
      'invalid_metadata',
      `kafka_timestamp must be milliseconds since the epoch, got ${describe(metadata['kafka_timestamp'])}`,
    );
  }
  const headers = kafkaHeaders(metadata['kafka_headers']);
  if (headers === undefined) {
    return unmappable(
      'invalid_metadata',
      `kafka_headers must be an object of strings, got ${describe(metadata['kafka_headers'])}`,
    );
  }

  return {
    kind: 'record',
    record: {
      topic: options.topics.toPhysical(logical),
      partition,
      offset,
      key: key === null ? null : Buffer.from(key, 'utf8'),
      value: valueBytes(event),
      headers: { ...headers, 'esdb-event-id': event.id, 'esdb-stream': event.streamId },
      timestamp,
    },
  };
}

function logicalTopic(name: string, options: ArchiveMappingOptions): CheckoutTopic | undefined {
  const named = (options.archiveTopics ?? options.topics).toLogical(name);
  if (named !== undefined) return named;
  return isCheckoutTopic(name) ? name : undefined;
}

function hasKafkaFields(metadata: Record<string, unknown>): boolean {
  return ['kafka_topic', 'kafka_partition', 'kafka_offset'].some(
    (field) => metadata[field] !== undefined,
  );
}

/**
 * The Kafka value. A JSON event reaches us parsed; when its text did not parse the client
 * hands us the raw text instead, so a string is ambiguous: a string whose text is itself JSON
 * can only have been a JSON string literal (raw text would have parsed into something else),
 * any other string is taken as the raw text (a malformed envelope, the common case).
 */
function valueBytes(event: ArchivedEvent): Buffer {
  const { data } = event;
  if (data instanceof Uint8Array) return Buffer.from(data);
  if (typeof data === 'string')
    return Buffer.from(parsesAsJson(data) ? JSON.stringify(data) : data, 'utf8');
  return Buffer.from(JSON.stringify(data) ?? '', 'utf8');
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function nonNegativeInteger(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && DECIMAL.test(value) && value.length <= 15) return Number(value);
  return undefined;
}

/** An int64 ≥ 0 as a canonical decimal string; numbers only while they are exact. */
function int64(value: unknown): string | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (
    typeof value === 'string' &&
    DECIMAL.test(value) &&
    value.length <= 19 &&
    BigInt(value) <= MAX_INT64
  )
    return value;
  return undefined;
}

function kafkaHeaders(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== 'string') return undefined;
    headers[name] = header;
  }
  return headers;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

function describeMetadata(metadata: unknown): string {
  if (metadata === undefined) return 'the event has no metadata';
  if (metadata instanceof Uint8Array)
    return `the metadata is ${metadata.length} bytes that are not JSON`;
  if (!isPlainObject(metadata)) return `the metadata is ${describe(metadata)}, not an object`;
  const fields = Object.keys(metadata);
  return fields.length === 0
    ? 'the metadata is an empty object'
    : `metadata fields: ${fields.slice(0, 5).join(', ')}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
