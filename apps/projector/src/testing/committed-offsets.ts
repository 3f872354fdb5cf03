import { CHECKOUT_TOPICS } from '@checkout/domain';
import { topicPartitionKey } from '@checkout/engine';
import { createKafka } from '@checkout/testkit';
import type { ProjectorHarness } from './projector-harness.ts';

/**
 * The group's committed Kafka offsets per logical `"<topic>:<partition>"` (-1: none), as
 * lag tools read them (admin.fetchOffsets).
 */
export async function committedOffsets(harness: ProjectorHarness): Promise<Map<string, bigint>> {
  const admin = createKafka(harness.brokers, 'committed-offsets').admin();
  await admin.connect();
  try {
    const offsets = new Map<string, bigint>();
    for (const topic of CHECKOUT_TOPICS) {
      const [committed] = await admin.fetchOffsets({
        groupId: harness.group,
        topics: [harness.topics.toPhysical(topic)],
      });
      for (const { partition, offset } of committed?.partitions ?? [])
        offsets.set(topicPartitionKey(topic, partition), BigInt(offset));
    }
    return offsets;
  } finally {
    await admin.disconnect();
  }
}
