import { randomUUID } from 'node:crypto';
import { compareOffsets, offsetAfter } from '@checkout/domain';
import { EngineError } from '@checkout/engine';
import { KAFKA_CLIENT_RETRY, type KafkaLog } from '@checkout/kafka';
import type { Kafka } from './clients.ts';
import {
  decodeDeadLetter,
  MAX_REMEMBERED_ORIGINALS,
  originalCoordinates,
} from './dead-letter-record.ts';

/** How long `readUpToNow` waits for the tail to reach the topic's end before it gives up. */
const SYNC_TIMEOUT_MS = 60_000;

/**
 * The dead-letter topic as one running replay sees it: the original coordinates of every entry
 * it holds, read from the start and then followed. A replay next to the live projector asks it
 * "did the live projector already publish this one?" without a new consumer group per question
 * (a group join costs seconds).
 */
export interface DeadLetterTail {
  has(coordinates: string): boolean;
  /** Returns once every entry the topic held when it was called has been read. */
  readUpToNow(): Promise<void>;
  stop(): Promise<void>;
}

export async function followDeadLetters(
  kafka: Kafka,
  topic: string,
  log: KafkaLog,
): Promise<DeadLetterTail> {
  const coordinates = new Set<string>();
  let overflowed = false;
  const remember = (value: Buffer | null, partition: number, offset: string) => {
    const letter = decodeDeadLetter({ partition, offset }, value);
    if (letter.kind !== 'entry') return;
    if (coordinates.size < MAX_REMEMBERED_ORIGINALS) {
      coordinates.add(originalCoordinates(letter.entry));
    } else if (!overflowed) {
      overflowed = true;
      log.warn(
        { remembered: coordinates.size },
        'The dead-letter topic holds more entries than a rebuild remembers; the rest may be published again',
      );
    }
  };

  const admin = kafka.admin({ retry: { ...KAFKA_CLIENT_RETRY } });
  await admin.connect();
  /** Next offset to read per partition of the topic. */
  const next = new Map<number, string>();
  let consumer: ReturnType<Kafka['consumer']> | undefined;
  let groupId: string | undefined;
  let failure: Error | undefined;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };

  async function endOffsets(): Promise<Map<number, string> | undefined> {
    if (!(await admin.listTopics()).includes(topic)) return undefined;
    const offsets = await admin.fetchTopicOffsets(topic);
    // A partition whose start was deleted (retention) is read from its log start.
    for (const { partition, low } of offsets) if (!next.has(partition)) next.set(partition, low);
    return new Map(offsets.map(({ partition, high }) => [partition, high]));
  }

  /** The topic may only appear later (the live projector creates it on its first entry). */
  async function startConsumer(): Promise<void> {
    groupId = `checkout-rebuild-dlq-tail-${randomUUID()}`;
    const started = kafka.consumer({
      groupId,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
      retry: { ...KAFKA_CLIENT_RETRY },
    });
    consumer = started;
    await started.connect();
    await started.subscribe({ topics: [topic], fromBeginning: true });
    started
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const from = next.get(batch.partition) ?? '0';
          for (const message of batch.messages) {
            // A redelivery after a rebalance starts over: read each offset once.
            if (compareOffsets(message.offset, from) < 0) continue;
            remember(message.value, batch.partition, message.offset);
            next.set(batch.partition, offsetAfter(message.offset));
          }
          wake();
        },
      })
      .catch((error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
        wake();
      });
  }

  function reached(ends: ReadonlyMap<number, string>): boolean {
    for (const [partition, end] of ends) {
      if (compareOffsets(next.get(partition) ?? '0', end) < 0) return false;
    }
    return true;
  }

  async function readUpToNow(): Promise<void> {
    const ends = await endOffsets();
    if (ends === undefined) return;
    if (consumer === undefined) await startConsumer();
    if (reached(ends)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new EngineError(
            'SOURCE_UNAVAILABLE',
            `Kafka: reading ${topic} did not reach its end within ${SYNC_TIMEOUT_MS} ms. ` +
              'Check the brokers, then run the command again.',
            { canRetry: true, context: { topic } },
          ),
        );
      }, SYNC_TIMEOUT_MS);
      const check = () => {
        if (failure !== undefined || reached(ends)) {
          clearTimeout(timer);
          waiters.delete(check);
          if (failure === undefined) resolve();
          else reject(failure);
        }
      };
      waiters.add(check);
      check();
    });
  }

  try {
    await readUpToNow();
  } catch (error) {
    await stopAll();
    throw error;
  }

  async function stopAll(): Promise<void> {
    await consumer?.disconnect().catch(() => undefined);
    if (groupId !== undefined) await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }

  return {
    has: (key) => coordinates.has(key),
    readUpToNow,
    stop: stopAll,
  };
}
