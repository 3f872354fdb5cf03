import { decodeSnapshot } from '@checkout/domain';
import { createInMemoryProjectionStore } from '@checkout/embedded';
import {
  parseTopicPartitionKey,
  type CheckpointWrite,
  type CommitResult,
  type ProjectionStore,
} from '@checkout/engine';
import {
  createRedisProjectionStore,
  writeSnapshotDocuments,
  readCheckpoints,
  readLastWrites,
  readSnapshotTexts,
  redisClockMs,
  snapshotSessionPages,
  type KeyLayout,
} from '@checkout/redis';
import type { RedisClient } from '../redis-client.ts';

/**
 * Where a replay writes: a Redis generation (checkpoints under the live group's name, so the
 * live projector can take over from them) or process memory (`--dry-run`, small `--verify`).
 */
export interface ReplayTarget {
  /** `generation 4`, `memory`. */
  readonly label: string;
  readonly store: ProjectionStore;
  readCheckpoints(): Promise<Map<string, string>>;
  /** Stored documents (encoded JSON) by session id; absent = null. */
  readDocuments(sessionIds: readonly string[]): Promise<Array<string | null>>;
  /**
   * Last-write marks (store clock, ms) by session id; null = none. The memory target never
   * loses a snapshot and keeps none.
   */
  readLastWrites(sessionIds: readonly string[]): Promise<Array<number | null>>;
  /** The store's clock, ms: the one its TTLs run on (Redis TIME). */
  clockMs(): Promise<number>;
  /** Every stored session id, a page at a time. */
  sessionPages(): AsyncIterable<string[]>;
  /**
   * Documents already encoded (a restore's, checked by the caller) written as they are, each
   * guarded by its expected version like a commit's snapshot.
   */
  writeDocuments(documents: readonly DocumentWrite[]): Promise<CommitResult>;
}

export interface DocumentWrite {
  sessionId: string;
  /** UTF-8 JSON as `encodeSnapshot` writes it. */
  document: Buffer;
  /** The version stored now (meta.event_count); 0 when absent. */
  expectedVersion: number;
}

export function redisGenerationTarget(options: {
  redis: RedisClient;
  layout: KeyLayout;
  generation: string | null;
  group: string;
  ttlSeconds: number;
  /** REDIS_MAX_COMMIT_BYTES. @default the store's */
  maxCommitBytes?: number;
}): ReplayTarget {
  const { redis, layout, generation, group } = options;
  return {
    label: generation === null ? 'the base generation' : `generation ${generation}`,
    store: createRedisProjectionStore({
      redis,
      group,
      layout,
      generation,
      ttlSeconds: options.ttlSeconds,
      ...(options.maxCommitBytes === undefined ? {} : { maxCommitBytes: options.maxCommitBytes }),
    }),
    readCheckpoints: () => readCheckpoints(redis, layout, generation, group),
    readDocuments: (ids) => readSnapshotTexts(redis, layout, generation, ids),
    readLastWrites: (ids) => readLastWrites(redis, layout, generation, ids),
    clockMs: () => redisClockMs(redis),
    sessionPages: () => snapshotSessionPages(redis, layout, generation),
    writeDocuments: (documents) =>
      writeSnapshotDocuments(redis, {
        layout,
        generation,
        ttlSeconds: options.ttlSeconds,
        documents,
      }),
  };
}

export function memoryTarget(): ReplayTarget {
  const store = createInMemoryProjectionStore();
  return {
    label: 'memory',
    store,
    readCheckpoints: async () => new Map(store.checkpoints()),
    readDocuments: async (ids) => ids.map((id) => store.getDocument(id) ?? null),
    readLastWrites: async (ids) => ids.map(() => null),
    clockMs: async () => Date.now(),
    async *sessionPages() {
      let page: string[] = [];
      for (const id of store.sessionIds()) {
        page.push(id);
        if (page.length === 500) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
    // Not on a hot path (no restore writes to memory): decoded, then committed as orders.
    async writeDocuments(documents) {
      const snapshots = documents.map(({ sessionId, document, expectedVersion }) => {
        const decoded = decodeSnapshot(document.toString('utf8'));
        if (!decoded.ok)
          throw new Error(`bug: a restored document of ${sessionId} does not decode`);
        return { sessionId, order: decoded.value, expectedVersion };
      });
      return store.commit({ snapshots, checkpoints: [] });
    },
  };
}

/** Stores start positions as checkpoints (`--from-offset <n>`): the replay resumes there. */
export async function seedCheckpoints(
  target: ReplayTarget,
  starts: ReadonlyArray<{ field: string; offset: bigint }>,
) {
  const checkpoints: CheckpointWrite[] = starts
    .filter(({ offset }) => offset > 0n)
    .map(({ field, offset }) => {
      const tp = parseTopicPartitionKey(field);
      if (tp === undefined) throw new Error(`bug: ${field} is not a topic-partition`);
      return { ...tp, nextOffset: String(offset), expected: null };
    });
  if (checkpoints.length === 0) return;
  const result = await target.store.commit({ snapshots: [], checkpoints });
  if (!result.ok) {
    throw new Error(
      `${target.label} already holds checkpoints (${result.conflict.subject}); it is not a fresh generation`,
    );
  }
}
