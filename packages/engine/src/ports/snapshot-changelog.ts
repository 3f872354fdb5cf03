import type { CheckoutOrder } from '@checkout/domain';

/**
 * Where every committed snapshot is also published, for fast restores (README, "Snapshot
 * changelog"): a compacted Kafka topic keyed by session id in production.
 *
 * Contract: partition N of the changelog holds the sessions of partition number N of the
 * inputs. Each publish ends with a *marker* for its partition number: logical
 * `"<topic>:<partition>"` → next offset, meaning every session of the partition has a snapshot
 * in the changelog that holds every event of that topic-partition below the offset. A restore
 * resumes each partition from its last marker; snapshots newer than the marker are harmless
 * (the offset guard in `meta.offsets` skips what they hold).
 */
export interface SnapshotChangelog {
  /**
   * Makes this member the only one that may publish these partition numbers (a later claim
   * by another member fences this one) and returns each one's last marker (absent: none).
   */
  claim(partitions: readonly number[]): Promise<Map<number, ChangelogMarker>>;
  /**
   * Snapshots, then the marker, all or nothing; resolves once durably accepted. Sent after
   * the store commit of the waves it holds, off the store's path (changelog-tracker.ts).
   */
  publish(write: ChangelogWrite): Promise<ChangelogPublishResult>;
  /** This member no longer owns these partition numbers (a revoke). */
  release(partitions: readonly number[]): Promise<void>;
}

/** Logical `"<topic>:<partition>"` → next offset (decimal string). */
export type ChangelogMarker = ReadonlyMap<string, string>;

export interface ChangelogWrite {
  partition: number;
  snapshots: ReadonlyArray<{ sessionId: string; order: CheckoutOrder }>;
  marker: ChangelogMarker;
}

export type ChangelogPublishResult =
  | { ok: true }
  /** Another member claimed the partition since: nothing of this write is visible. */
  | { ok: false; reason: 'fenced' };
