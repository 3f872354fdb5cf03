import type { TopicNames } from '@checkout/engine';
import { generateStream, type StreamOptions } from '@checkout/generator';
import { createKafka } from '@checkout/testkit';
import { CompressionTypes } from 'kafkajs';

export interface BackgroundProducer {
  /** Records acknowledged so far. */
  readonly produced: number;
  /** Stops after the chunk in flight; resolves with the number of records produced. */
  stop(): Promise<number>;
}

/**
 * Keeps producing a generated stream at about `recordsPerSecond` (chunks every 200 ms)
 * until stopped, so that a projector killed or failed at any moment is in the middle of
 * consuming. Sessions cut off by `stop()` are simply shorter: the fold is of the log.
 */
export function produceInBackground(
  brokers: string[],
  topics: TopicNames,
  options: Omit<StreamOptions, 'records'> & { recordsPerSecond: number },
): BackgroundProducer {
  const producer = createKafka(brokers, 'background-producer').producer({
    allowAutoTopicCreation: false,
  });
  const records = generateStream({ ...options, records: Number.MAX_SAFE_INTEGER });
  const perChunk = Math.max(1, Math.round(options.recordsPerSecond / 5));
  let produced = 0;
  let stopping = false;
  const done = (async () => {
    await producer.connect();
    try {
      while (!stopping) {
        const started = Date.now();
        const byTopic = new Map<string, Array<{ key: string; value: string | Buffer }>>();
        for (let i = 0; i < perChunk; i += 1) {
          const next = records.next();
          if (next.done === true) break;
          const topic = topics.toPhysical(next.value.topic);
          const messages = byTopic.get(topic) ?? [];
          messages.push({ key: next.value.key, value: next.value.value });
          byTopic.set(topic, messages);
        }
        await producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          compression: CompressionTypes.GZIP,
          acks: -1,
        });
        produced += perChunk;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, 200 - (Date.now() - started))),
        );
      }
    } finally {
      await producer.disconnect();
    }
    return produced;
  })();
  done.catch(() => {}); // surfaced by stop()
  return {
    get produced() {
      return produced;
    },
    async stop() {
      stopping = true;
      return done;
    },
  };
}
