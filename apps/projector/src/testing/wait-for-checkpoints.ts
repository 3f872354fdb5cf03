import { CHECKOUT_TOPICS } from '@checkout/domain';
import type { TopicNames } from '@checkout/engine';
import {
  readCheckpoints,
  standaloneLayout,
  type KeyLayout,
  type RedisConnection,
} from '@checkout/redis';
import { createKafka } from '@checkout/testkit';
import type { ProjectorHarness } from './projector-harness.ts';
import type { Admin } from 'kafkajs';

/** High watermark per logical `"<topic>:<partition>"`: where every checkpoint must arrive. */
export async function highWatermarks(
  brokers: string[],
  topics: TopicNames,
): Promise<Map<string, string>> {
  const admin = createKafka(brokers, 'high-watermarks').admin();
  await admin.connect();
  try {
    const marks = new Map<string, string>();
    for (const topic of CHECKOUT_TOPICS) {
      for (const partition of await offsetsOf(admin, topics.toPhysical(topic))) {
        marks.set(`${topic}:${partition.partition}`, partition.high);
      }
    }
    return marks;
  } finally {
    await admin.disconnect();
  }
}

/**
 * ListOffsets, asked again while the broker answers with a retriable error: a broker that was
 * just restarted or thawed (SIGCONT) leads its partitions again only after a moment
 * (NOT_LEADER_FOR_PARTITION meanwhile), longer than kafkajs' own retries sometimes.
 */
async function offsetsOf(admin: Admin, topic: string) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      const { retriable: flag, name } = error as { retriable?: unknown; name?: unknown };
      const retriable = flag === true || name === 'KafkaJSNumberOfRetriesExceeded';
      if (!retriable || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Waits until the stored checkpoints reach `targets` (every partition with records), i.e.
 * the projector has stored the effect of every record. Fails with the remaining gap.
 */
export async function waitForCheckpoints(
  redis: RedisConnection,
  options: {
    namespace: string;
    /** @default standaloneLayout(namespace) */
    layout?: KeyLayout;
    group: string;
    generation?: string | null;
    targets: Map<string, string>;
    timeoutMs: number;
    onTick?: () => void;
  },
): Promise<void> {
  const layout = options.layout ?? standaloneLayout(options.namespace);
  const deadline = Date.now() + options.timeoutMs;
  let behind: string[] = [];
  while (Date.now() < deadline) {
    options.onTick?.();
    const stored = Object.fromEntries(
      await readCheckpoints(redis, layout, options.generation ?? null, options.group).catch(
        () => new Map<string, string>(),
      ),
    );
    behind = [...options.targets]
      .filter(([field, high]) => high !== '0' && BigInt(stored[field] ?? '0') < BigInt(high))
      .map(([field, high]) => `${field} at ${stored[field] ?? 'none'} of ${high}`);
    if (behind.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `checkpoints did not reach the high watermarks within ${options.timeoutMs} ms: ${behind.join(', ')}`,
  );
}

/** Waits until a harness' projector has stored every record in the topics now (the log end). */
export async function waitUntilCaughtUp(
  harness: ProjectorHarness,
  options: { generation?: string; timeoutMs?: number } = {},
): Promise<void> {
  await waitForCheckpoints(harness.redis, {
    namespace: harness.namespace,
    layout: harness.layout,
    group: harness.group,
    ...(options.generation === undefined ? {} : { generation: options.generation }),
    targets: await highWatermarks(harness.brokers, harness.topics),
    timeoutMs: options.timeoutMs ?? 90_000,
  });
}
