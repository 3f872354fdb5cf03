import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { onCleanup } from './cleanup.ts';
import { createKafka } from './clients.ts';
import { sleep } from './sleep.ts';

/**
 * Names that belong to one test, so tests can share one broker and one Redis without seeing each
 * other's topics, consumer groups or keys.
 */
export interface TestNames {
  /** `<label>-<time>-<random>`: only `[a-z0-9-]`, valid in topic names, group ids and keys. */
  readonly prefix: string;
  /** `<prefix>.<name>`, e.g. `cart-events` → `t-1a2b-9f3c01.cart-events`. */
  topic(name: string): string;
  /** `<prefix>.<name>` as a consumer group id. */
  groupId(name?: string): string;
  /** `<prefix>:<key>`, e.g. `checkout:order:{s1}` → `t-1a2b-9f3c01:checkout:order:{s1}`. */
  key(key: string): string;
}

/** A fresh set of names; call once per test. `label` is folded to `[a-z0-9-]`. */
export function uniqueNames(label = 't'): TestNames {
  const slug =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 't';
  const prefix = `${slug}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return {
    prefix,
    topic: (name) => `${prefix}.${name}`,
    groupId: (name = 'group') => `${prefix}.${name}`,
    key: (key) => `${prefix}:${key}`,
  };
}

/**
 * Creates the topics, waits until metadata shows a leader for every partition, and registers
 * their deletion with {@link onCleanup}.
 *
 * Not kafkajs' `waitForLeaders: true`: it retries LEADER_NOT_AVAILABLE only, while a KRaft
 * broker answers UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition")
 * until the new topic reaches its metadata cache, which fails the call at random (kafkajs #815).
 */
export async function createTopics(
  brokers: string[],
  names: readonly string[],
  partitions = 3,
  timeoutMs = 30_000,
): Promise<void> {
  const admin = createKafka(brokers, 'testkit-topics').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      waitForLeaders: false,
      timeout: timeoutMs,
    });
    onCleanup(() => deleteTopics(brokers, names));
    await waitForTopicLeaders(admin, names, partitions, timeoutMs);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Polls until each topic has `partitions` partitions, each with a leader that answers
 * ListOffsets.
 */
export async function waitForTopicLeaders(
  admin: Admin,
  names: readonly string[],
  partitions: number,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      const led = topics.every(
        (t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0),
      );
      if (led && topics.length === names.length) {
        // KRaft publishes metadata before the partition is ready on its leader: ListOffsets
        // answers NOT_LEADER_OR_FOLLOWER for a moment after the leader shows (KAFKA-15780).
        for (const topic of names) await admin.fetchTopicOffsets(topic);
        return;
      }
      last = 'partitions without a leader';
    } catch (error) {
      last = error; // UNKNOWN_TOPIC_OR_PARTITION while the topic propagates.
    }
    await sleep(100);
  }
  throw new Error(`no leaders for ${names.join(', ')} after ${timeoutMs} ms: ${String(last)}`);
}

async function deleteTopics(brokers: string[], names: readonly string[]): Promise<void> {
  const admin = createKafka(brokers, 'testkit-topics', { retries: 1 }).admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [...names], timeout: 10_000 });
  } catch {
    // The broker may be gone already (a test that stopped its own); nothing to clean then.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
