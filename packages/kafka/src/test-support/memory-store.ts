import type { CheckoutOrder } from '@checkout/domain';
import {
  EngineError,
  topicPartitionKey,
  type BatchWrite,
  type CommitResult,
  type ProjectionStore,
  type StoredSnapshot,
  type TopicPartition,
} from '@checkout/engine';

/**
 * A ProjectionStore in memory for this package's tests (the real Redis store and the embedded
 * one live elsewhere): compare-and-set commits like the contract says, a switch to make it
 * unavailable, and `copy()` to simulate restoring an older backup.
 */
export interface MemoryStore extends ProjectionStore {
  snapshots: Map<string, StoredSnapshot>;
  checkpoints: Map<string, string>;
  commits: number;
  /** While true every call fails with a retryable STORE_UNAVAILABLE. */
  down: boolean;
  copy(): MemoryStore;
}

export function createMemoryStore(
  initial: { snapshots?: Map<string, StoredSnapshot>; checkpoints?: Map<string, string> } = {},
): MemoryStore {
  const store: MemoryStore = {
    snapshots: new Map(initial.snapshots),
    checkpoints: new Map(initial.checkpoints),
    commits: 0,
    down: false,
    async loadSnapshots(sessionIds) {
      await available();
      const found = new Map<string, StoredSnapshot>();
      for (const id of sessionIds) {
        const snapshot = store.snapshots.get(id);
        if (snapshot !== undefined) found.set(id, snapshot);
      }
      return { snapshots: found, generation: null };
    },
    async loadCheckpoints(partitions: readonly TopicPartition[]) {
      await available();
      const found = new Map<string, string>();
      for (const { topic, partition } of partitions) {
        const key = topicPartitionKey(topic, partition);
        const checkpoint = store.checkpoints.get(key);
        if (checkpoint !== undefined) found.set(key, checkpoint);
      }
      return found;
    },
    async commit(write: BatchWrite): Promise<CommitResult> {
      await available();
      for (const { sessionId, expectedVersion } of write.snapshots) {
        const actual = store.snapshots.get(sessionId)?.version ?? 0;
        if (actual !== expectedVersion) {
          return conflict('snapshot', sessionId, String(expectedVersion), String(actual));
        }
      }
      for (const { topic, partition, expected } of write.checkpoints) {
        const key = topicPartitionKey(topic, partition);
        const actual = store.checkpoints.get(key) ?? null;
        if (actual !== expected)
          return conflict('checkpoint', key, String(expected), String(actual));
      }
      for (const { sessionId, order } of write.snapshots)
        store.snapshots.set(sessionId, stored(order));
      for (const { topic, partition, nextOffset } of write.checkpoints) {
        store.checkpoints.set(topicPartitionKey(topic, partition), nextOffset);
      }
      store.commits += 1;
      return { ok: true };
    },
    copy() {
      return createMemoryStore({ snapshots: store.snapshots, checkpoints: store.checkpoints });
    },
  };

  async function available(): Promise<void> {
    await Promise.resolve();
    if (store.down)
      throw new EngineError('STORE_UNAVAILABLE', 'memory store is down (test)', { canRetry: true });
  }
  return store;
}

function stored(order: CheckoutOrder): StoredSnapshot {
  return { order: structuredClone(order), version: order.meta.event_count };
}

function conflict(
  kind: 'snapshot' | 'checkpoint',
  subject: string,
  expected: string,
  actual: string,
): CommitResult {
  return { ok: false, conflict: { kind, subject, expected, actual } };
}
