import type { TopicNames } from '@checkout/engine';
import { generateStream, type Expectation, type StreamOptions } from '@checkout/generator';
import type { createKafka } from '@checkout/kafka';

export type KafkaClient = ReturnType<typeof createKafka>;

/** kafkajs `CompressionTypes` values (kafkajs is not a dependency of the scripts). */
export const COMPRESSION = { none: 0, gzip: 1 } as const;
export type CompressionName = keyof typeof COMPRESSION;

export interface ProduceOptions {
  kafka: KafkaClient;
  topics: TopicNames;
  stream: StreamOptions;
  /** Records per `sendBatch` request. @default 5000 */
  chunk?: number;
  /** @default 'gzip' */
  compression?: CompressionName;
  /** Called after each request with the records sent so far. */
  onProgress?: (sent: number) => void;
  /**
   * The rate the records' Kafka timestamps (CreateTime) are spread at: the stream is stamped
   * as if a producer had written it at this rate, its last record now. @default 1000
   */
  recordsPerSecond?: number;
}

export interface ProduceSummary {
  records: number;
  /** Records per expectation: apply, duplicate, ignore, or the rejection reason. */
  expectations: Record<string, number>;
  topics: Record<string, number>;
  sessions: number;
  bytes: number;
  seconds: number;
}

/**
 * Writes the generator's deterministic stream to the (prefixed) topics, keyed by session id
 * (kafkajs' default partitioner is Java's murmur2, so partition N of every topic holds the same
 * sessions), `acks: -1`, one request at a time so per-partition order is the stream's order.
 * Idempotent: on a loaded machine a request times out and is retried, and without it the
 * broker appended the retried records twice (a run saw 103 033 records of 100 000).
 */
export async function produceRecords(options: ProduceOptions): Promise<ProduceSummary> {
  const producer = await connectOrderedProducer(options.kafka);
  const started = performance.now();
  const chunk = options.chunk ?? 5000;
  const compression = COMPRESSION[options.compression ?? 'gzip'];
  const summary = summaryOf(options.stream);
  // Sent in bulk, every record of a request would carry the request's time: a backlog of
  // hours would look like one instant, unlike any backlog a real producer leaves.
  const msPerRecord = 1000 / (options.recordsPerSecond ?? 1000);
  const firstTimestamp = Date.now() - options.stream.records * msPerRecord;
  let pending: Array<{ topic: string; key: string; value: string | Buffer; timestamp: string }> =
    [];
  const flush = async () => {
    const byTopic = new Map<
      string,
      Array<{ key: string; value: string | Buffer; timestamp: string }>
    >();
    for (const { topic, key, value, timestamp } of pending) {
      let messages = byTopic.get(topic);
      if (messages === undefined) byTopic.set(topic, (messages = []));
      messages.push({ key, value, timestamp });
    }
    await producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      compression,
      acks: -1,
    });
    pending = [];
    options.onProgress?.(summary.records);
  };
  try {
    for (const record of summary.count(options.stream)) {
      pending.push({
        topic: options.topics.toPhysical(record.topic),
        key: record.key,
        value: record.value,
        timestamp: String(Math.round(firstTimestamp + summary.records * msPerRecord)),
      });
      if (pending.length >= chunk) await flush();
    }
    if (pending.length > 0) await flush();
  } finally {
    await producer.disconnect();
  }
  return summary.result((performance.now() - started) / 1000);
}

/** The bench's producer: idempotent, one request in flight, so per-partition order holds. */
export async function connectOrderedProducer(kafka: KafkaClient) {
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return producer;
}

/** The stream's summary without producing it (`pnpm loadgen --embedded`). */
export function describeStream(stream: StreamOptions): ProduceSummary {
  const started = performance.now();
  const summary = summaryOf(stream);
  for (const _record of summary.count(stream)) {
    // counted by the generator wrapper
  }
  return summary.result((performance.now() - started) / 1000);
}

function summaryOf(stream: StreamOptions) {
  const expectations: Record<string, number> = {};
  const topics: Record<string, number> = {};
  const sessions = new Set<string>();
  let records = 0;
  let bytes = 0;
  return {
    get records() {
      return records;
    },
    *count(options: StreamOptions = stream) {
      for (const record of generateStream(options)) {
        records += 1;
        bytes +=
          typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length;
        increment(expectations, record.expect);
        increment(topics, record.topic);
        sessions.add(record.key);
        yield record;
      }
    },
    result(seconds: number): ProduceSummary {
      return { records, expectations, topics, sessions: sessions.size, bytes, seconds };
    },
  };
}

function increment(counts: Record<string, number>, key: Expectation | string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
