import { topicPartitionKey, type TopicNames } from '@checkout/engine';
import { DEFAULT_FETCH_MAX_WAIT_MS } from '@checkout/kafka';
import type { KafkaClient } from './produce-records.ts';

/**
 * (h) the freshness limit: a raw kafkajs consumer in the bench process, with the projector's
 * fetch settings (max wait, min bytes 1, read committed, whole batches), doing nothing with
 * the records. Its *progress* stands where (f) reads the projector's checkpoints: per logical
 * `"<topic>:<partition>"` the offset after the last record it received, so (h) measures, the
 * same way and under the same paced load, what the broker, the client and this machine cost
 * before the projector does anything: the floor of (f).
 */
export interface ProgressConsumer {
  /** Logical `"<topic>:<partition>"` → the next offset to receive (decimal). */
  read(): Promise<ReadonlyMap<string, string>>;
  failed(): Error | undefined;
  stop(): Promise<void>;
}

export async function startProgressConsumer(
  kafka: KafkaClient,
  options: { topics: TopicNames; groupId: string },
): Promise<ProgressConsumer> {
  const { topics } = options;
  const progress = new Map<string, string>();
  let failure: Error | undefined;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: DEFAULT_FETCH_MAX_WAIT_MS,
    readUncommitted: false,
    allowAutoTopicCreation: false,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    failure = payload.error;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics.physical], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: topics.physical.length,
    eachBatch: async ({ batch }) => {
      const logical = topics.toLogical(batch.topic);
      const last = batch.messages.at(-1);
      if (logical === undefined || last === undefined) return;
      progress.set(topicPartitionKey(logical, batch.partition), String(BigInt(last.offset) + 1n));
    },
  });
  return {
    read: async () => progress,
    failed: () => failure,
    stop: () => consumer.disconnect(),
  };
}
