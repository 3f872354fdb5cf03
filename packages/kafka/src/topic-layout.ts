import { EngineError, topicPartitionKey } from '@checkout/engine';
import kafkajs, { type Admin } from 'kafkajs';
import { isTransientError } from './kafka-errors.ts';

/**
 * The five topics must exist with one partition count (SPEC §6): co-partitioning is what
 * puts all of a session's events on one consumer. Checked once at start, before joining the
 * group; a wrong layout is a configuration error, never retried.
 *
 * @returns the common partition count
 */
export async function verifyTopicLayout(
  admin: Admin,
  topics: readonly string[],
  options: {
    /** The operator knows the topics are compacted and accepts it (KAFKA_ALLOW_COMPACTED_TOPICS). */
    allowCompacted?: boolean;
  } = {},
): Promise<number> {
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
  if (options.allowCompacted !== true) await refuseCompactedTopics(admin, topics);
  const [count = 0] = distinct;
  return count;
}

/**
 * The topics carry deltas (`cart.item_added`): compaction keeps the last record per key, so a
 * replay would fold each session from its last event only, and nothing would say so. Kafka
 * Streams compacts the state (a changelog), never the events.
 */
async function refuseCompactedTopics(admin: Admin, topics: readonly string[]): Promise<void> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({
      type: kafkajs.ConfigResourceTypes.TOPIC,
      name,
      configNames: ['cleanup.policy'],
    })),
  });
  const compacted = resources
    .map(({ resourceName, configEntries }) => ({
      topic: resourceName,
      policy: configEntries.find(({ configName }) => configName === 'cleanup.policy')?.configValue,
    }))
    .filter(({ policy }) => policy?.split(',').some((part) => part.trim() === 'compact'));
  if (compacted.length === 0) return;
  const listed = compacted.map(({ topic, policy }) => `${topic} (cleanup.policy=${policy})`);
  throw new EngineError(
    'CONFIGURATION',
    `KAFKA_ALLOW_COMPACTED_TOPICS: compacted event topics: ${listed.join(', ')}. They carry ` +
      'changes, not states: compaction keeps one event per session and a replay would fold ' +
      'garbage without a word. Set cleanup.policy=delete on them, or KAFKA_ALLOW_COMPACTED_TOPICS=true ' +
      'if every event of these topics is a full state. Refusing to start.',
    { canRetry: false, context: { compacted: listed } },
  );
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
