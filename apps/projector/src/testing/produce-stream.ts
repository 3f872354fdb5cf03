import type { TopicNames } from '@checkout/engine';
import { generateStream, type Expectation, type StreamOptions } from '@checkout/generator';
import { createKafka } from '@checkout/testkit';
import { CompressionTypes } from 'kafkajs';

/**
 * Produces a generated stream to the (prefixed) topics, in chunks, keyed by session id.
 * Returns how many records of each expectation were sent.
 */
export async function produceStream(
  brokers: string[],
  topics: TopicNames,
  options: StreamOptions & { chunk?: number; compression?: CompressionTypes },
): Promise<Map<Expectation, number>> {
  const producer = createKafka(brokers, 'produce-stream').producer({
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const counts = new Map<Expectation, number>();
  const chunk = options.chunk ?? 2000;
  let pending: Array<{ topic: string; key: string; value: string | Buffer }> = [];
  const flush = async () => {
    const byTopic = new Map<string, Array<{ key: string; value: string | Buffer }>>();
    for (const { topic, key, value } of pending) {
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push({ key, value });
    }
    await producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      compression: options.compression ?? CompressionTypes.GZIP,
      acks: -1,
    });
    pending = [];
  };
  for (const record of generateStream(options)) {
    counts.set(record.expect, (counts.get(record.expect) ?? 0) + 1);
    pending.push({ topic: topics.toPhysical(record.topic), key: record.key, value: record.value });
    if (pending.length >= chunk) await flush();
  }
  if (pending.length > 0) await flush();
  await producer.disconnect();
  return counts;
}
