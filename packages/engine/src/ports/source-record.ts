/**
 * One record as every source delivers it (Kafka, the embedded log, EventStoreDB replay).
 *
 * Wire contract (SPEC §2): key = checkout session id (UTF-8), value = JSON envelope.
 * `topic` is the physical topic name (it may carry a deployment prefix, see topic-names.ts).
 */
export interface SourceRecord {
  topic: string;
  partition: number;
  /** Decimal string: Kafka offsets are int64. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Every header; a header the record carries more than once has its values in order. */
  headers: Readonly<Record<string, Buffer | string | ReadonlyArray<Buffer | string> | undefined>>;
  /** Broker timestamp, milliseconds since epoch as a decimal string. */
  timestamp: string;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * `"<topic>:<partition>"`, the field name used for checkpoints and snapshot offsets. Its one
 * home, with {@link parseTopicPartitionKey}: topic names hold no `:` (Kafka allows
 * `[A-Za-z0-9._-]`), so the last `:` separates the parts.
 */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** A {@link topicPartitionKey} back into its parts; undefined when it is not one. */
export function parseTopicPartitionKey(key: string): TopicPartition | undefined {
  const separator = key.lastIndexOf(':');
  if (separator <= 0) return undefined;
  const partitionText = key.slice(separator + 1);
  if (!/^(?:0|[1-9][0-9]{0,9})$/.test(partitionText)) return undefined;
  return { topic: key.slice(0, separator), partition: Number(partitionText) };
}
