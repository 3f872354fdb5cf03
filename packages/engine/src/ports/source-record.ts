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
  headers: Readonly<Record<string, Buffer | string | undefined>>;
  /** Broker timestamp, milliseconds since epoch as a decimal string. */
  timestamp: string;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `"<topic>:<partition>"`, the field name used for checkpoints and snapshot offsets. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
