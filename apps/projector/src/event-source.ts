import type { DeadLetterSink, ProjectionEngine, SnapshotChangelog } from '@checkout/engine';
import type { Readiness } from './readiness.ts';
import type { PartitionStatus } from './status-report.ts';

/** Where the projector's records come from: Kafka (kafka-runtime.ts) or the embedded log. */
export interface EventSource {
  deadLetters: DeadLetterSink;
  /** Where committed snapshots are also published (SNAPSHOT_CHANGELOG_TOPIC); absent: nowhere. */
  changelog?: SnapshotChangelog;
  /** Records waiting on the partitions being worked on; null when unknown (not assigned). */
  pending(): number | null;
  /** Why answers may be stale now (partitions replaying after the store lost data), or null. */
  staleness(): string | null;
  /** The partitions this member works on, for `/status`. */
  partitions(): PartitionStatus[];
  run(engine: ProjectionEngine, readiness: Readiness, signal: AbortSignal): Promise<void>;
}
