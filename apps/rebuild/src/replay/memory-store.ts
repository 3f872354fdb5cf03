import { decodeSnapshot, encodeSnapshot } from '@checkout/domain';
import {
  EngineError,
  topicPartitionKey,
  type CommitResult,
  type ProjectionStore,
  type StoredSnapshot,
} from '@checkout/engine';

/**
 * The projection store of `--dry-run` and `--verify --dry-run`: process memory, with the same
 * compare-and-set contract as the Redis store. Documents are kept encoded, as Redis keeps them.
 * (The same thing as `@checkout/embedded`'s store, which this app does not depend on.)
 */
export interface MemoryStore extends ProjectionStore {
  document(sessionId: string): string | undefined;
  sessionIds(): IterableIterator<string>;
  checkpoints(): ReadonlyMap<string, string>;
}

export function createMemoryStore(): MemoryStore {
  const documents = new Map<string, string>();
  const checkpoints = new Map<string, string>();

  function load(sessionId: string): StoredSnapshot | undefined {
    const text = documents.get(sessionId);
    if (text === undefined) return undefined;
    const decoded = decodeSnapshot(text);
    if (!decoded.ok)
      throw new EngineError('CORRUPT_SNAPSHOT', decoded.error.message, { canRetry: false });
    return { order: decoded.value, version: decoded.value.meta.event_count };
  }

  return {
    async loadSnapshots(sessionIds) {
      const loaded = new Map<string, StoredSnapshot>();
      for (const id of sessionIds) {
        const snapshot = load(id);
        if (snapshot !== undefined) loaded.set(id, snapshot);
      }
      return loaded;
    },
    async loadCheckpoints(partitions) {
      const found = new Map<string, string>();
      for (const { topic, partition } of partitions) {
        const value = checkpoints.get(topicPartitionKey(topic, partition));
        if (value !== undefined) found.set(topicPartitionKey(topic, partition), value);
      }
      return found;
    },
    async commit(write): Promise<CommitResult> {
      for (const { sessionId, expectedVersion } of write.snapshots) {
        const actual = load(sessionId)?.version ?? 0;
        if (actual !== expectedVersion) {
          return {
            ok: false,
            conflict: {
              kind: 'snapshot',
              subject: sessionId,
              expected: String(expectedVersion),
              actual: String(actual),
            },
          };
        }
      }
      for (const { topic, partition, expected } of write.checkpoints) {
        const actual = checkpoints.get(topicPartitionKey(topic, partition)) ?? null;
        if (actual !== expected) {
          const subject = topicPartitionKey(topic, partition);
          return {
            ok: false,
            conflict: {
              kind: 'checkpoint',
              subject,
              expected: String(expected),
              actual: String(actual),
            },
          };
        }
      }
      for (const { sessionId, order } of write.snapshots)
        documents.set(sessionId, encodeSnapshot(order));
      for (const { topic, partition, nextOffset } of write.checkpoints)
        checkpoints.set(topicPartitionKey(topic, partition), nextOffset);
      return { ok: true };
    },
    document: (sessionId) => documents.get(sessionId),
    sessionIds: () => documents.keys(),
    checkpoints: () => checkpoints,
  };
}
