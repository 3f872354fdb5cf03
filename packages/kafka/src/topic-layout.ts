import { EngineError, topicPartitionKey } from '@checkout/engine';
import type { Admin } from 'kafkajs';
import { isTransientError } from './kafka-errors.ts';

/**
 * The five topics must exist with one partition count (SPEC §6): co-partitioning is what
 * puts all of a session's events on one consumer. Checked once at start, before joining the
 * group; a wrong layout is a configuration error, never retried.
 *
 * @returns the common partition count
 */
export async function verifyTopicLayout(admin: Admin, topics: readonly string[]): Promise<number> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    throw new EngineError(
      'CONFIGURATION',
      `Kafka topics missing: ${missing.join(', ')}. Create all of ${topics.join(', ')} with the same ` +
        'partition count (or set KAFKA_CREATE_TOPICS=true in development).',
      { canRetry: false, context: { missing } },
    );
  }
  const counts = await partitionCounts(admin, topics);
  const distinct = new Set(counts.values());
  if (distinct.size !== 1) {
    const listed = [...counts].map(([topic, count]) => `${topic} has ${count}`).join(', ');
    throw new EngineError(
      'CONFIGURATION',
      `Kafka topics are not co-partitioned: ${listed} partitions. All of them must have the same ` +
        'partition count, so that partition N of every topic holds the same sessions. Refusing to start.',
      { canRetry: false, context: { partitions: Object.fromEntries(counts) } },
    );
  }
  const [count = 0] = distinct;
  return count;
}

export async function partitionCounts(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
  return new Map(metadata.topics.map(({ name, partitions }) => [name, partitions.length]));
}

/**
 * Creates whichever of `topics` is missing, with `partitions` partitions (development, tests,
 * embedded demos). Existing topics are left as they are: verifyTopicLayout judges them.
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly string[],
  partitions: number,
  options: {
    /** @default -1 (the broker's `default.replication.factor`) */
    replicationFactor?: number;
    /** Topic configs, e.g. `{ 'compression.type': 'lz4' }`. @default {} */
    config?: Record<string, string>;
    /** How long to wait for the new partitions' leaders. @default 30000 */
    timeoutMs?: number;
  } = {},
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  const configEntries = Object.entries(options.config ?? {}).map(([name, value]) => ({
    name,
    value,
  }));
  await admin.createTopics({
    // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers
    // for a moment after creating a topic: wait here instead.
    waitForLeaders: false,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: partitions,
      replicationFactor: options.replicationFactor ?? -1,
      configEntries,
    })),
  });
  await waitForLeaders(admin, missing, options.timeoutMs ?? 30_000);
  return missing;
}

async function waitForLeaders(
  admin: Admin,
  topics: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (
        metadata.every(
          ({ partitions }) =>
            partitions.length > 0 && partitions.every(({ leader }) => leader >= 0),
        )
      )
        return;
    } catch (error) {
      if (!isTransientError(error) || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`Kafka: no partition leaders for ${topics.join(', ')} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface PartitionWatermarks {
  /** Log start offset: the oldest offset retention still holds. */
  low: string;
  /** Offset the next produced record will get (last stable offset for read_committed). */
  high: string;
}

/** Low and high watermarks of every partition of `topics`, keyed `"<topic>:<partition>"`. */
export async function fetchWatermarks(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, PartitionWatermarks>> {
  const perTopic = await Promise.all(
    topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
  );
  const watermarks = new Map<string, PartitionWatermarks>();
  for (const { topic, offsets } of perTopic) {
    for (const { partition, low, high } of offsets)
      watermarks.set(topicPartitionKey(topic, partition), { low, high });
  }
  return watermarks;
}
