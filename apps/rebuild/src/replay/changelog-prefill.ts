import { decodeSnapshot } from '@checkout/domain';
import { parseTopicPartitionKey, type CheckpointWrite, type SnapshotWrite } from '@checkout/engine';
import { readChangelog, type ChangelogEntry } from '@checkout/kafka';
import { CliError } from '../cli-error.ts';
import type { KafkaClient } from '../kafka-admin.ts';
import type { ProgressReporter } from '../output/progress.ts';
import type { ReplayTarget } from './replay-target.ts';

export interface ChangelogPrefill {
  /** Snapshots written (the last of each session in the changelog). */
  sessions: number;
  /** Changelog records read, snapshots and markers. */
  records: number;
  /** Partitions that had a marker: the others replay from their log start. */
  markers: number;
  durationMs: number;
}

/**
 * The first phase of `--from-changelog`: every snapshot of the compacted changelog into the
 * new generation, then each partition's checkpoints from its last marker, so the Kafka
 * replay continues from there with the same engine. Snapshots are written a fetched batch
 * at a time (one commit per partition and batch, so in cluster mode each stays in one slot);
 * a session met twice (not compacted yet) is written again over what this run wrote.
 */
export async function prefillFromChangelog(options: {
  kafka: KafkaClient;
  topic: string;
  partitions: number;
  target: ReplayTarget;
  groupPrefix: string;
  signal: AbortSignal;
  progress: ProgressReporter;
  onBatch?: () => Promise<void>;
}): Promise<ChangelogPrefill> {
  const started = performance.now();
  const written = new Map<string, number>();
  const markers = new Map<number, Map<string, string>>();
  let records = 0;

  async function write(partition: number, entries: readonly ChangelogEntry[]) {
    const latest = new Map<string, string>();
    for (const { record } of entries) {
      if (record.kind === 'marker') markers.set(partition, record.positions);
      else if (record.kind === 'snapshot') latest.set(record.sessionId, record.document);
    }
    records += entries.length;
    const snapshots: SnapshotWrite[] = [];
    for (const [sessionId, document] of latest) {
      const decoded = decodeSnapshot(document);
      if (!decoded.ok) {
        throw new CliError(
          'failure',
          `The changelog's snapshot of session ${JSON.stringify(sessionId)} (partition ${partition}) cannot be read: ` +
            `${decoded.error.message}. Restore with --from-offset earliest instead.`,
        );
      }
      snapshots.push({
        sessionId,
        order: decoded.value,
        expectedVersion: written.get(sessionId) ?? 0,
      });
    }
    if (snapshots.length > 0) await commit(options.target, { snapshots, checkpoints: [] });
    for (const { sessionId, order } of snapshots) written.set(sessionId, order.meta.event_count);
    options.progress.update({
      phase: `reading the changelog ${options.topic}`,
      done: records,
      total: records,
      eventsPerSecond: records / ((performance.now() - started) / 1000 || 1),
      partitions: [],
    });
    await options.onBatch?.();
  }

  await readChangelog(options.kafka, {
    topic: options.topic,
    partitions: Array.from({ length: options.partitions }, (_, p) => p),
    groupPrefix: options.groupPrefix,
    signal: options.signal,
    onRecords: write,
  });
  for (const marker of markers.values()) {
    const checkpoints: CheckpointWrite[] = [...marker].flatMap(([field, nextOffset]) => {
      const tp = parseTopicPartitionKey(field);
      return tp === undefined ? [] : [{ ...tp, nextOffset, expected: null }];
    });
    if (checkpoints.length > 0) await commit(options.target, { snapshots: [], checkpoints });
  }
  return {
    sessions: written.size,
    records,
    markers: markers.size,
    durationMs: performance.now() - started,
  };
}

async function commit(
  target: ReplayTarget,
  write: { snapshots: SnapshotWrite[]; checkpoints: CheckpointWrite[] },
): Promise<void> {
  const result = await target.store.commit(write);
  if (!result.ok) {
    throw new Error(
      `${target.label} changed while the changelog was restored into it (${result.conflict.subject}); it is not a fresh generation`,
    );
  }
}
