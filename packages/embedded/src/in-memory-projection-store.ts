import { decodeSnapshot, encodeSnapshot } from '@checkout/domain';
import {
  EngineError,
  topicPartitionKey,
  type BatchWrite,
  type CommitResult,
  type ProjectionStore,
  type StoredSnapshot,
  type WriteConflict,
} from '@checkout/engine';

/**
 * The embedded snapshot store: the same contract and the same compare-and-set guards as the
 * Redis store, kept in process memory. Documents are stored encoded, so the embedded mode
 * exercises the same encode/decode path as production.
 */
export interface InMemoryProjectionStore extends ProjectionStore {
  /** The stored JSON document of a session, as a Redis GET would return it. */
  getDocument(sessionId: string): string | undefined;
  sessionIds(): IterableIterator<string>;
  checkpoints(): ReadonlyMap<string, string>;
}

export function createInMemoryProjectionStore(): InMemoryProjectionStore {
  const documents = new Map<string, string>();
  /** meta.event_count of each stored document, so a commit's guard need not decode it. */
  const versions = new Map<string, number>();
  const checkpoints = new Map<string, string>();
  /** Each session's last-write mark: the number of the commit that wrote it (as Redis's marks). */
  const marks = new Map<string, string>();
  let commits = 0;

  function load(sessionId: string): StoredSnapshot | undefined {
    const text = documents.get(sessionId);
    if (text === undefined) return undefined;
    const decoded = decodeSnapshot(text);
    if (!decoded.ok) {
      throw new EngineError(
        'CORRUPT_SNAPSHOT',
        `snapshot of ${sessionId}: ${decoded.error.message}`,
        { canRetry: false },
      );
    }
    return {
      order: decoded.value,
      version: decoded.value.meta.event_count,
      bytes: text.length,
    };
  }

  function firstConflict(write: BatchWrite): WriteConflict | undefined {
    for (const snapshot of write.snapshots) {
      const actual = versions.get(snapshot.sessionId) ?? 0;
      if (actual !== snapshot.expectedVersion) {
        return {
          kind: 'snapshot',
          subject: snapshot.sessionId,
          expected: String(snapshot.expectedVersion),
          actual: String(actual),
        };
      }
      const mark = marks.get(snapshot.sessionId);
      if (snapshot.expectedMark !== undefined && mark !== snapshot.expectedMark) {
        return {
          kind: 'snapshot',
          subject: snapshot.sessionId,
          expected: `the write marked ${snapshot.expectedMark}`,
          actual: `a write marked ${mark ?? 'absent'}`,
        };
      }
    }
    for (const checkpoint of write.checkpoints) {
      const key = topicPartitionKey(checkpoint.topic, checkpoint.partition);
      const actual = checkpoints.get(key) ?? null;
      if (actual !== checkpoint.expected) {
        return {
          kind: 'checkpoint',
          subject: key,
          expected: String(checkpoint.expected),
          actual: String(actual),
        };
      }
    }
    return undefined;
  }

  return {
    async loadSnapshots(sessionIds) {
      const loaded = new Map<string, StoredSnapshot>();
      for (const sessionId of sessionIds) {
        const snapshot = load(sessionId);
        if (snapshot) loaded.set(sessionId, snapshot);
      }
      return { snapshots: loaded, generation: null };
    },
    async loadCheckpoints(partitions) {
      const found = new Map<string, string>();
      for (const { topic, partition } of partitions) {
        const key = topicPartitionKey(topic, partition);
        const value = checkpoints.get(key);
        if (value !== undefined) found.set(key, value);
      }
      return found;
    },
    async commit(write): Promise<CommitResult> {
      const conflict = firstConflict(write);
      if (conflict) return { ok: false, conflict };
      commits += 1;
      const mark = String(commits);
      for (const { sessionId, order } of write.snapshots) {
        documents.set(sessionId, encodeSnapshot(order));
        versions.set(sessionId, order.meta.event_count);
        marks.set(sessionId, mark);
      }
      for (const checkpoint of write.checkpoints) {
        checkpoints.set(
          topicPartitionKey(checkpoint.topic, checkpoint.partition),
          checkpoint.nextOffset,
        );
      }
      return write.snapshots.length === 0 ? { ok: true } : { ok: true, mark };
    },
    getDocument: (sessionId) => documents.get(sessionId),
    sessionIds: () => documents.keys(),
    checkpoints: () => checkpoints,
  };
}
