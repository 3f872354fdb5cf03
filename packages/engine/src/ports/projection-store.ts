import type { CheckoutOrder } from '@checkout/domain';
import type { TopicPartition } from './source-record.ts';

/**
 * Where snapshots and checkpoints live (Redis in production, memory when embedded).
 *
 * Why checkpoints sit next to the snapshots and not in Kafka's consumer group offsets:
 * the resume position must describe the stored state. If the store loses data (a flush, a
 * restore from an older backup), its checkpoints go back with it, so consumption resumes
 * where the state actually is. Kafka's committed offsets are only a hint for lag tooling.
 */
export interface ProjectionStore {
  /** One round trip. */
  loadSnapshots(sessionIds: readonly string[]): Promise<LoadedSnapshots>;
  /** Next offset to read per `"<topic>:<partition>"` (logical topic names); absent = none stored. */
  loadCheckpoints(partitions: readonly TopicPartition[]): Promise<Map<string, string>>;
  /**
   * Writes every snapshot and checkpoint of one batch, all or nothing, each guarded by a
   * compare-and-set on what the batch read. A failed guard writes nothing and reports why.
   */
  commit(write: BatchWrite): Promise<CommitResult>;
}

export interface LoadedSnapshots {
  /** Absent sessions are missing from the map. */
  snapshots: Map<string, StoredSnapshot>;
  /**
   * The store generation they were read from (null: the base generation, or a store without
   * generations). The commit of what is folded from them names it, so it lands there or fails
   * its guard: batches run concurrently, and another one may move a store that follows the
   * active generation to a new generation between this load and this commit.
   */
  generation: string | null;
  /**
   * Absent sessions the store knows had a snapshot that is now gone (expired, evicted or
   * deleted): their next event folds onto lost history, and the engine marks it
   * (`meta.history_incomplete`) instead of passing it off as a new session. Absent: the store
   * cannot tell (one that never loses a snapshot on its own, like the in-memory store).
   */
  historyGone?: ReadonlySet<string>;
  /**
   * Sessions whose stored document cannot be read (corrupt, or a newer schema version), with
   * a message naming the key and the repair. Their records are dead-lettered
   * (`snapshot_unreadable`) and the document is left as it is; every other session goes on.
   */
  unreadable?: ReadonlyMap<string, string>;
}

export interface StoredSnapshot {
  order: CheckoutOrder;
  /** The guard value: `meta.event_count` of the stored document. */
  version: number;
  /** Size of the stored document, where the store knows it (working set budgets). */
  bytes?: number;
}

export interface SnapshotWrite {
  sessionId: string;
  order: CheckoutOrder;
  /** Version read before folding; 0 when the session was absent. */
  expectedVersion: number;
  /**
   * For a session folded onto the copy the engine kept from its own last write: the mark that
   * write got (`CommitResult.mark`). The write is refused unless that write is still the
   * last one, so a document another writer replaced meanwhile at the same version
   * (`checkout-rebuild --session`) is never written over. Absent: the version alone guards it.
   */
  expectedMark?: string;
}

export interface CheckpointWrite {
  topic: string;
  partition: number;
  nextOffset: string;
  /** Checkpoint read before this batch; null when none was stored. */
  expected: string | null;
}

export interface BatchWrite {
  /** `LoadedSnapshots.generation` of the load the snapshots were folded onto; absent: wherever the store writes now. */
  generation?: string | null;
  snapshots: readonly SnapshotWrite[];
  checkpoints: readonly CheckpointWrite[];
}

export type CommitResult =
  | {
      ok: true;
      /**
       * What the store stamped on every snapshot this commit wrote, telling this write from
       * any later one (`SnapshotWrite.expectedMark`). Absent from a store that stamps no
       * writes: the engine then keeps no session across waves.
       */
      mark?: string;
    }
  | { ok: false; conflict: WriteConflict };

export interface WriteConflict {
  kind: 'snapshot' | 'checkpoint';
  /** Session id or `"<topic>:<partition>"`. */
  subject: string;
  expected: string;
  actual: string;
}
