import { retryTransient, type BackoffOptions, type ProjectionEngine } from '@checkout/engine';
import type { Admin, Consumer } from 'kafkajs';
import type { AssignmentPositions } from './assignment-positions.ts';
import type { ConsumerLag } from './consumer-lag.ts';
import { isTransientError } from './kafka-errors.ts';
import { kafkaMisconfiguration } from './kafka-misconfiguration.ts';
import type { KafkaLog } from './kafka-log.ts';
import type { SourceReadiness } from './source-readiness.ts';
import { verifyTopicLayout } from './topic-layout.ts';

/**
 * Connects, checks the topic layout and subscribes, retrying while Kafka is unreachable.
 * @returns the topics' common partition count, or undefined when stopped first
 */
export async function connect(context: {
  admin: Admin;
  consumer: Consumer;
  topics: string[];
  allowCompactedTopics: boolean;
  readiness: SourceReadiness;
  log: KafkaLog;
  backoff: BackoffOptions;
  signal: AbortSignal;
}): Promise<number | undefined> {
  const { admin, consumer, topics, readiness, log, signal } = context;
  let partitions = 0;
  try {
    // kafkajs' own retries inside one attempt take ~10 s; a stop must not wait for them.
    const attempt = async () => {
      await admin.connect();
      partitions = await verifyTopicLayout(admin, topics, {
        allowCompacted: context.allowCompactedTopics,
      });
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
    };
    await retryTransient(
      () =>
        Promise.race([
          attempt(),
          aborted(signal).then(() => Promise.reject(new Error('stopped while connecting'))),
        ]),
      {
        // Before the first connection a wrong CA, login or port is configuration, not an outage.
        isRetryable: (error) =>
          kafkaMisconfiguration(error, { beforeFirstConnection: true }) === null &&
          isTransientError(error),
        signal,
        backoff: context.backoff,
        onRetry(error, retry, delayMs) {
          const reason = `cannot reach Kafka: ${error instanceof Error ? error.message : String(error)}`;
          readiness.unhealthy(reason);
          log.warn({ err: error, attempt: retry, delayMs }, `Retrying: ${reason}`);
        },
      },
    );
  } catch (error) {
    if (signal.aborted) return undefined;
    throw kafkaMisconfiguration(error, { beforeFirstConnection: true }) ?? error;
  }
  readiness.healthy();
  return signal.aborted ? undefined : partitions;
}

/** Finishes the batch in flight (kafkajs waits for it), leaves the group, disconnects. */
export async function leave(context: {
  consumer: Consumer;
  admin: Admin;
  engine: ProjectionEngine;
  positions: AssignmentPositions;
  lag: ConsumerLag;
  log: KafkaLog;
  timeoutMs: number;
}): Promise<void> {
  const { consumer, admin, engine, positions, lag, log } = context;
  const owned = positions.owned();
  const left = await withTimeout(consumer.disconnect(), context.timeoutMs);
  if (!left)
    log.warn({ timeoutMs: context.timeoutMs }, 'Kafka consumer did not leave the group in time');
  engine.forget(owned);
  positions.reset([]);
  lag.clear();
  await withTimeout(admin.disconnect(), context.timeoutMs);
}

async function withTimeout(operation: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      operation.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
