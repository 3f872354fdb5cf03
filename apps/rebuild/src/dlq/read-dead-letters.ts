import { compareOffsets, offsetAfter } from '@checkout/domain';
import { randomUUID } from 'node:crypto';
import { EngineError } from '@checkout/engine';
import { KAFKA_CLIENT_RETRY } from '@checkout/kafka';
import type { Kafka } from './clients.ts';
import { decodeDeadLetter, type DeadLetter } from './dead-letter-record.ts';

export interface ReadDeadLettersOptions {
  /** Give up when the end is not reached by then. @default 60000 */
  timeoutMs?: number;
  /** Prefix of the throwaway consumer group. @default 'checkout-rebuild-dlq-reader' */
  groupPrefix?: string;
}

export interface DeadLetterScan {
  /** False when the topic does not exist: nothing was ever dead-lettered. */
  exists: boolean;
  /** Messages read (readable or not). */
  messages: number;
}

/**
 * Reads the dead-letter topic from its start to the high watermarks taken when the read
 * begins, calling `onLetter` per message in partition order; entries that arrive meanwhile
 * are left for the next run. Nothing is committed: kafkajs needs a group to consume, so a
 * throwaway group is used without offset commits and deleted afterwards.
 */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  onLetter: (letter: DeadLetter) => void,
  options: ReadDeadLettersOptions = {},
): Promise<DeadLetterScan> {
  const admin = kafka.admin({ retry: { ...KAFKA_CLIENT_RETRY } });
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return { exists: false, messages: 0 };
    /** Next offset to hand out per partition, and where to stop. */
    const positions = new Map<number, { next: string; end: string }>();
    for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
      if (compareOffsets(high, low) > 0) positions.set(partition, { next: low, end: high });
    }
    if (positions.size === 0) return { exists: true, messages: 0 };

    const groupId = `${options.groupPrefix ?? 'checkout-rebuild-dlq-reader'}-${randomUUID()}`;
    try {
      const messages = await consumeToEnd(
        kafka,
        groupId,
        topic,
        positions,
        onLetter,
        options.timeoutMs ?? 60_000,
      );
      return { exists: true, messages };
    } finally {
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  } finally {
    await admin.disconnect();
  }
}

async function consumeToEnd(
  kafka: Kafka,
  groupId: string,
  topic: string,
  positions: Map<number, { next: string; end: string }>,
  onLetter: (letter: DeadLetter) => void,
  timeoutMs: number,
): Promise<number> {
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
    retry: { ...KAFKA_CLIENT_RETRY },
  });
  const pending = new Set(positions.keys());
  let messages = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const left = [...pending]
          .map((p) => `${p} at ${positions.get(p)?.next} of ${positions.get(p)?.end}`)
          .join(', ');
        const message =
          `Kafka: reading ${topic} did not reach its end within ${timeoutMs} ms (partitions ${left}). ` +
          'Check the brokers, then run the command again.';
        reject(
          new EngineError('SOURCE_UNAVAILABLE', message, { canRetry: true, context: { topic } }),
        );
      }, timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const position = positions.get(batch.partition);
            if (position === undefined) return;
            for (const message of batch.messages) {
              const offset = message.offset;
              // A redelivery after a rebalance starts over: hand out each offset once.
              if (compareOffsets(offset, position.next) < 0) continue;
              if (compareOffsets(offset, position.end) >= 0) break;
              onLetter(
                decodeDeadLetter(
                  { partition: batch.partition, offset: message.offset },
                  message.value,
                ),
              );
              messages += 1;
              position.next = offsetAfter(offset);
            }
            if (
              compareOffsets(position.next, position.end) >= 0 &&
              pending.delete(batch.partition)
            ) {
              consumer.pause([{ topic, partitions: [batch.partition] }]);
            }
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
