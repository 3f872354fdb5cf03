import { EngineError } from '@checkout/engine';
import kafkajs, { type Kafka } from 'kafkajs';
import { KAFKA_CLIENT_RETRY } from './kafka-config.ts';
import type { KafkaLog } from './kafka-log.ts';
import { ensureTopics, partitionCounts } from './topic-layout.ts';

/**
 * Why compaction only, no time retention: compaction keeps the last snapshot per session and
 * the last marker per partition; `delete` would also drop the marker of a quiet partition,
 * and a restore would then replay that partition from its log start. Snapshots past
 * SNAPSHOT_TTL_SECONDS are kept (a restore writes them with a fresh TTL): the changelog
 * errs towards keeping a session, never towards a hole the offsets would not show.
 *
 * Why small segments: the cleaner compacts rolled segments only, and every batch republishes
 * the snapshots it touched, so an uncompacted head holds several versions of each session
 * (4 per session at 1M records in the bench) and a restore reads them all. Segments of
 * 64 MiB or one hour, and a low dirty ratio, keep that head short.
 */
export const CHANGELOG_TOPIC_CONFIG = {
  'cleanup.policy': 'compact',
  'segment.bytes': String(64 * 1024 * 1024),
  'segment.ms': String(3_600_000),
  'min.cleanable.dirty.ratio': '0.1',
} as const;

/** Creates the changelog when missing; refuses one that is not compacted or not co-partitioned. */
export async function ensureChangelogTopic(
  kafka: Kafka,
  topic: string,
  /** An event topic: the changelog gets (and must have) as many partitions. */
  partitionsOf: string,
  log: KafkaLog,
): Promise<void> {
  const admin = kafka.admin({ retry: { ...KAFKA_CLIENT_RETRY } });
  await admin.connect();
  try {
    const partitions = (await partitionCounts(admin, [partitionsOf])).get(partitionsOf) ?? 0;
    const created = await ensureTopics(admin, [topic], partitions, {
      config: { ...CHANGELOG_TOPIC_CONFIG },
    });
    if (created.length > 0) log.info({ topic, partitions }, 'Created the snapshot changelog topic');
    const count = (await partitionCounts(admin, [topic])).get(topic);
    if (count !== partitions) {
      throw configuration(
        `SNAPSHOT_CHANGELOG_TOPIC: ${topic} has ${count} partitions, the event topics ${partitions}. ` +
          'Partition N of the changelog must hold the sessions of partition N: recreate it with ' +
          `${partitions} partitions (or name another topic). Refusing to start.`,
      );
    }
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] },
      ],
    });
    const policy = resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy');
    if (policy?.configValue !== 'compact') {
      throw configuration(
        `SNAPSHOT_CHANGELOG_TOPIC: ${topic} has cleanup.policy=${policy?.configValue}; a changelog ` +
          'must be compacted (cleanup.policy=compact), or old snapshots and markers are deleted. Refusing to start.',
      );
    }
  } finally {
    await admin.disconnect();
  }
}

function configuration(message: string): EngineError {
  return new EngineError('CONFIGURATION', message, { canRetry: false });
}
