import type { IHeaders, Kafka } from 'kafkajs';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  /** Decimal string, as kafkajs gives it. */
  offset: string;
  key: string | null;
  value: string | null;
  /** Header values decoded as UTF-8 (the last one when a header repeats). */
  headers: Record<string, string>;
}

/** Options for {@link consumeMessages}. */
export interface ConsumeMessagesOptions {
  groupId: string;
  topics: readonly string[];
  /** Resolve once this many messages arrived. */
  count: number;
  /** @default 30000 */
  timeoutMs?: number;
  /** @default true */
  fromBeginning?: boolean;
}

/**
 * Joins `groupId`, reads until `count` distinct messages arrived (auto-commit on), leaves the
 * group and returns them in arrival order. Delivery is at-least-once: a rebalance or a consumer
 * restart after a retriable error re-delivers from the last commit, so a message seen twice (same
 * topic, partition, offset) is kept once. Rejects with how many arrived after `timeoutMs`.
 */
export async function consumeMessages(
  kafka: Kafka,
  options: ConsumeMessagesOptions,
): Promise<ConsumedMessage[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: 250,
    heartbeatInterval: 500,
  });
  const received: ConsumedMessage[] = [];
  const seen = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({
      topics: [...options.topics],
      fromBeginning: options.fromBeginning ?? true,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `consumeMessages: ${received.length} of ${options.count} messages after ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const id = `${topic}:${partition}:${message.offset}`;
            if (seen.has(id)) return;
            seen.add(id);
            received.push({
              topic,
              partition,
              offset: message.offset,
              key: message.key?.toString('utf8') ?? null,
              value: message.value?.toString('utf8') ?? null,
              headers: decodeHeaders(message.headers),
            });
            if (received.length >= options.count) {
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
    return received;
  } finally {
    await consumer.disconnect();
  }
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) decoded[name] = last.toString();
  }
  return decoded;
}
