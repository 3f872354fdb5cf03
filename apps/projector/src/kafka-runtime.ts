import {
  topicPartitionKey,
  type ProjectionEngine,
  type TopicNames,
  type TopicPartition,
} from '@checkout/engine';
import {
  createConsumerLag,
  createKafka,
  createKafkaDeadLetterSink,
  createKafkaSnapshotChangelog,
  ensureTopics,
  kafkaSecurityOptions,
  runKafkaSource,
  type KafkaConnectionOptions,
} from '@checkout/kafka';
import type { ProjectorConfig } from './config.ts';
import type { EventSource } from './event-source.ts';
import type { Logger } from './logger.ts';
import { publishLag, type ProjectorMetrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';

/** Production's event source: the five topics through one consumer group, poison to the DLQ topic. */
export function kafkaSource(
  config: ProjectorConfig,
  topics: TopicNames,
  log: Logger,
  metrics: ProjectorMetrics,
  onSourceCommit: (point: string) => void = () => {},
  prepareStore?: (partitions: number) => Promise<void>,
): EventSource {
  const kafka = createKafka(connectionOptions(config, log));
  const deadLetters = createKafkaDeadLetterSink({
    kafka,
    topic: config.DLQ_TOPIC,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    log,
  });
  const changelog =
    config.SNAPSHOT_CHANGELOG_TOPIC === undefined
      ? undefined
      : createKafkaSnapshotChangelog({
          kafka,
          topic: config.SNAPSHOT_CHANGELOG_TOPIC,
          partitionsOf: topics.physical[0] ?? '',
          transactionalIdPrefix: `${config.KAFKA_GROUP_ID}.${config.SNAPSHOT_CHANGELOG_TOPIC}`,
          log,
        });
  const lag = createConsumerLag();
  /** Halted partitions (`"topic:partition"`) and why. */
  const halted = new Map<string, string>();
  let replaying: readonly TopicPartition[] = [];
  return {
    deadLetters,
    ...(changelog === undefined ? {} : { changelog }),
    staleness: () =>
      replaying.length === 0
        ? null
        : `replaying ${replaying.map(({ topic, partition }) => topicPartitionKey(topic, partition)).join(', ')} after the store lost data`,
    partitions: () =>
      lag.snapshot().map((entry) => ({
        topic: entry.topic,
        partition: entry.partition,
        checkpoint: entry.nextOffset,
        highWatermark: entry.highWatermark,
        lag: entry.lag,
        lagSeconds: entry.lagSeconds,
        halted: halted.get(topicPartitionKey(entry.topic, entry.partition)) ?? null,
      })),
    pending() {
      const working = lag
        .snapshot()
        .filter(({ topic, partition }) => !halted.has(topicPartitionKey(topic, partition)));
      return working.length === 0
        ? null
        : working.reduce((sum, { lag: waiting }) => sum + waiting, 0);
    },
    async run(engine: ProjectionEngine, readiness: Readiness, signal: AbortSignal) {
      if (config.KAFKA_CREATE_TOPICS)
        await createTopics(kafka, topics, config.KAFKA_TOPIC_PARTITIONS, log);
      const refreshLag = setInterval(() => publishLag(metrics, lag.snapshot()), 1000);
      try {
        await runKafkaSource({
          kafka,
          groupId: config.KAFKA_GROUP_ID,
          topics,
          engine,
          signal,
          log,
          lag,
          onReadiness: (ready, reason) => readiness.set('source', ready, reason),
          afterCommit: () => onSourceCommit('after-source-commit'),
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          heartbeatIntervalMs: config.KAFKA_HEARTBEAT_INTERVAL_MS,
          commitIntervalMs: config.KAFKA_COMMIT_INTERVAL_MS,
          checkpointWatchIntervalMs: config.STORE_WATCHDOG_INTERVAL_MS,
          maxBytes: config.KAFKA_FETCH_MAX_BYTES,
          maxBytesPerPartition: config.KAFKA_FETCH_PARTITION_MAX_BYTES,
          concurrentBatches: config.CONCURRENT_BATCHES,
          ...(prepareStore === undefined ? {} : { onPartitionCount: prepareStore }),
          onReplaying: (list) => {
            replaying = list;
          },
          // One partition whose history is gone must not stop the others (SPEC §6).
          onHistoryTruncated: 'halt-partition',
          allowCompactedTopics: config.KAFKA_ALLOW_COMPACTED_TOPICS,
          onPartitionHalted: (list) => {
            metrics.partitionHalted.reset();
            halted.clear();
            for (const { topic, partition, reason } of list) {
              metrics.partitionHalted.set({ topic, partition: String(partition), reason }, 1);
              halted.set(topicPartitionKey(topic, partition), reason);
            }
          },
        });
      } finally {
        clearInterval(refreshLag);
        await deadLetters.disconnect();
        await engine.drainChangelog();
        await changelog?.disconnect();
      }
    },
  };
}

function connectionOptions(config: ProjectorConfig, log: Logger): KafkaConnectionOptions {
  return {
    brokers: config.KAFKA_BROKERS ?? [],
    clientId: config.KAFKA_CLIENT_ID,
    ...kafkaSecurityOptions(config),
    log,
    logLevel: 'warn',
  };
}

async function createTopics(
  kafka: ReturnType<typeof createKafka>,
  topics: TopicNames,
  partitions: number,
  log: Logger,
) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, topics.physical, partitions);
    if (created.length > 0)
      log.info({ topics: created, partitions }, 'created missing topics (KAFKA_CREATE_TOPICS)');
  } finally {
    await admin.disconnect();
  }
}
