import { CHECKOUT_TOPICS, recordsBetween, type CheckoutTopic } from '@checkout/domain';
import { topicPartitionKey, type TopicNames } from '@checkout/engine';
import {
  fetchWatermarks,
  verifyTopicLayout,
  type createKafka,
  type PartitionWatermarks,
} from '@checkout/kafka';

/** The kafkajs client `createKafka` returns (this app does not depend on kafkajs itself). */
export type KafkaClient = ReturnType<typeof createKafka>;

export interface TopicLayout {
  /** The common partition count of the five topics. */
  partitions: number;
  /** Per logical `"<topic>:<partition>"` of the topics asked for. */
  watermarks: Map<string, PartitionWatermarks>;
}

/**
 * Checks the co-partitioned layout of all five topics (the projector's start check) and reads
 * the watermarks of `topics`, keyed by logical names: the positions a replay must reach.
 */
export async function readTopicLayout(
  kafka: KafkaClient,
  names: TopicNames,
  options: {
    /** Which topics' watermarks. @default all five */
    topics?: readonly CheckoutTopic[];
    /** KAFKA_ALLOW_COMPACTED_TOPICS (topic-layout.ts in @checkout/kafka). */
    allowCompacted: boolean;
  },
): Promise<TopicLayout> {
  const topics = options.topics ?? CHECKOUT_TOPICS;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const partitions = await verifyTopicLayout(admin, names.physical, {
      allowCompacted: options.allowCompacted,
    });
    const physical = await fetchWatermarks(
      admin,
      topics.map((topic) => names.toPhysical(topic)),
    );
    const watermarks = new Map<string, PartitionWatermarks>();
    for (const topic of topics) {
      for (let partition = 0; partition < partitions; partition += 1) {
        const marks = physical.get(topicPartitionKey(names.toPhysical(topic), partition));
        if (marks !== undefined) watermarks.set(topicPartitionKey(topic, partition), marks);
      }
    }
    return { partitions, watermarks };
  } finally {
    await admin.disconnect();
  }
}

/** Records in a topic (Σ high − low), or null when it does not exist. */
export async function topicRecordCount(kafka: KafkaClient, topic: string): Promise<number | null> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return null;
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, { low, high }) => sum + recordsBetween(low, high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes a throwaway consumer group once its consumer left; best effort (it expires anyway). */
export async function deleteConsumerGroup(kafka: KafkaClient, groupId: string): Promise<boolean> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Physical ↔ logical names for a subset of the topics (a replay of `--topics`). */
export function topicSubset(all: TopicNames, topics: readonly CheckoutTopic[]): TopicNames {
  return {
    physical: topics.map((topic) => all.toPhysical(topic)),
    toLogical: (physical) => {
      const logical = all.toLogical(physical);
      return logical !== undefined && topics.includes(logical) ? logical : undefined;
    },
    toPhysical: (logical) => all.toPhysical(logical),
  };
}
