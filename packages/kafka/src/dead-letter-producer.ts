import type { DeadLetterEntry, DeadLetterSink } from '@checkout/engine';
import kafkajs from 'kafkajs';
import type { Kafka, Message, Producer } from 'kafkajs';
import { KAFKA_CLIENT_RETRY } from './kafka-config.ts';
import { deadLetterHeaderBytes, deadLetterKeyBytes, EngineError } from '@checkout/engine';
import { sourceUnavailable } from './kafka-errors.ts';
import { silentKafkaLog, type KafkaLog } from './kafka-log.ts';
import { ensureTopics } from './topic-layout.ts';

export const DEFAULT_DLQ_TOPIC = 'checkout-events-dlq';

export interface KafkaDeadLetterOptions {
  /** A client from `createKafka`. */
  kafka: Kafka;
  /** @default 'checkout-events-dlq' */
  topic?: string;
  /** Create the topic on first use when it is missing. @default true */
  createTopic?: boolean;
  /** Partitions of a topic created here. @default 3 */
  partitions?: number;
  /** @default a logger that drops everything */
  log?: KafkaLog;
  /**
   * Most bytes of entries in one produce request: a batch of poison can hold many entries of up
   * to a few hundred KiB each (dead-letter.ts), and the broker refuses a request over its
   * limits for good. @default 786432 (768 KiB, under the brokers' 1 MiB default)
   */
  maxRequestBytes?: number;
}

export interface KafkaDeadLetterSink extends DeadLetterSink {
  readonly topic: string;
  disconnect(): Promise<void>;
}

/**
 * Dead-letter message layout (SPEC §6), one per poison record:
 *   key     = the original key (the session id), so a session's rejects stay in order;
 *   value   = the DeadLetterEntry as JSON (original topic/partition/offset/key/value, headers,
 *             reason, message);
 *   headers = the original headers plus `x-dlq-reason`, for filtering without parsing.
 */
export function deadLetterMessage(entry: DeadLetterEntry): Message {
  return {
    key: deadLetterKeyBytes(entry.original),
    value: JSON.stringify(entry),
    headers: { ...deadLetterHeaderBytes(entry.original.headers), 'x-dlq-reason': entry.reason },
  };
}

/**
 * The engine's DeadLetterSink on an idempotent producer (acks from all in-sync replicas, one
 * request in flight, so retries neither duplicate nor reorder within a session). Connects and
 * creates the topic on first use. A failure is a retryable `SOURCE_UNAVAILABLE`: the engine
 * stores nothing for the batch, the source retries it, and a poison record is never skipped
 * without its dead-letter entry.
 */
export function createKafkaDeadLetterSink(options: KafkaDeadLetterOptions): KafkaDeadLetterSink {
  const topic = options.topic ?? DEFAULT_DLQ_TOPIC;
  const log = options.log ?? silentKafkaLog;
  const maxRequestBytes = options.maxRequestBytes ?? 786_432;
  let topicReady = !(options.createTopic ?? true);
  let current: { producer: Producer; connected: Promise<void> } | null = null;

  async function ensureTopic(): Promise<void> {
    if (topicReady) return;
    const admin = options.kafka.admin({ retry: { ...KAFKA_CLIENT_RETRY } });
    await admin.connect();
    try {
      const created = await ensureTopics(admin, [topic], options.partitions ?? 3);
      if (created.length > 0) log.info({ topic }, 'Created the dead-letter topic');
      topicReady = true;
    } finally {
      await admin.disconnect();
    }
  }

  function connectedProducer(): { producer: Producer; connected: Promise<void> } {
    if (current === null) {
      const producer = options.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
        retry: { ...KAFKA_CLIENT_RETRY },
      });
      const connected = producer.connect();
      connected.catch(() => {}); // awaited in publish; never an unhandled rejection
      current = { producer, connected };
    }
    return current;
  }

  /** After a failure the producer starts afresh (new id, sequences reset); see the note below. */
  async function discard(failed: { producer: Producer }): Promise<void> {
    if (current !== failed) return;
    current = null;
    await failed.producer.disconnect().catch(() => {});
  }

  return {
    topic,
    async publish(entries) {
      if (entries.length === 0) return;
      const used = connectedProducer();
      try {
        await ensureTopic();
        await used.connected;
        for (const messages of bySize(entries.map(deadLetterMessage), maxRequestBytes))
          await used.producer.send({ topic, acks: -1, messages });
      } catch (error) {
        // kafkajs' idempotent producer can stay desynchronised after a broker outage
        // (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID on every send): a fresh producer
        // recovers. The batch is retried as a whole, so entries may be published twice; readers
        // de-duplicate on the original coordinates (DeadLetterEntry).
        await discard(used);
        const operation = `publishing ${entries.length} dead-letter entries to ${topic}`;
        if (isRefusedForGood(error)) throw deadLetterRefused(operation, error, topic);
        throw sourceUnavailable(operation, error, { context: { topic, entries: entries.length } });
      }
    },
    async disconnect() {
      const last = current;
      current = null;
      if (last !== null) await last.producer.disconnect();
    },
  };
}

/** Consecutive runs of messages whose values add up to at most `limit` bytes (one at least). */
export function bySize(messages: readonly Message[], limit: number): Message[][] {
  const runs: Message[][] = [];
  let run: Message[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = Buffer.byteLength(String(message.value ?? ''));
    if (run.length > 0 && size + bytes > limit) {
      runs.push(run);
      [run, size] = [[], 0];
    }
    run.push(message);
    size += bytes;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * Broker answers that no retry can change. Not every error kafkajs calls non-retriable is one:
 * OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID after an outage go away with a fresh
 * producer, which the retry gets.
 */
const REFUSED_FOR_GOOD = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'INVALID_TOPIC_EXCEPTION',
  'POLICY_VIOLATION',
]);

function isRefusedForGood(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 10; depth += 1) {
    const type = (cause as { type?: unknown }).type;
    if (typeof type === 'string' && REFUSED_FOR_GOOD.has(type)) return true;
    cause = cause.cause;
  }
  return false;
}

/**
 * A publish the broker refuses for good (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, an ACL, a
 * topic that cannot take it): retrying would block the partition forever, silently. The
 * source halts the partitions of the batch instead, with this reason.
 */
function deadLetterRefused(operation: string, cause: unknown, topic: string): EngineError {
  const type = (cause as { type?: unknown }).type;
  const reason =
    cause instanceof Error
      ? `${typeof type === 'string' ? type : cause.name}: ${cause.message}`
      : String(cause);
  return new EngineError(
    'DEAD_LETTER_REFUSED',
    `Kafka: ${operation} was refused for good (${reason}); the records stay unprocessed until ` +
      `${topic} accepts them (check its max.message.bytes and ACLs), then restart the projector.`,
    { canRetry: false, cause, context: { topic } },
  );
}
