import { decodeSnapshot, encodeSnapshot } from '@checkout/domain';
import { parseTopicPartitionKey, type CheckpointWrite } from '@checkout/engine';
import { checkedDocument, readChangelog, type ChangelogEntry } from '@checkout/kafka';
import { storedVersionOf } from '@checkout/redis';
import { CliError } from '../cli-error.ts';
import type { KafkaClient } from '../kafka-admin.ts';
import type { ProgressReporter } from '../output/progress.ts';
import type { DocumentWrite, ReplayTarget } from './replay-target.ts';

export interface ChangelogPrefill {
  /** Sessions restored (the last snapshot of each in the changelog). */
  sessions: number;
  /** Changelog records read, snapshots and markers. */
  records: number;
  /** Snapshot writes sent: `sessions`, plus a session's later version met in a later window. */
  writes: number;
  /** Partitions that had a marker: the others replay from their log start. */
  markers: number;
  durationMs: number;
}

/** Tuning of {@link prefillFromChangelog}; the defaults are what the bench measured. */
export interface ChangelogPrefillTuning {
  /**
   * Bytes of documents held before they are written: within them only the last version of a
   * session is written (a changelog head not compacted yet holds several). @default 33554432
   */
  windowBytes?: number;
  /** Fetch sizes of the changelog consumer. @default 16 MiB per partition, 48 MiB in all */
  fetchBytes?: { perPartition: number; total: number };
}

/**
 * The first phase of `--from-changelog`: every snapshot of the compacted changelog into the
 * new generation, then each partition's checkpoints from its last marker, so the Kafka
 * replay continues from there with the same engine.
 *
 * What makes it fast (BENCHMARKS.md, "Performance changes made"): a document is written as the
 * bytes the changelog holds, never parsed or encoded again; its checksum (changelog-records.ts)
 * proves them intact first, and a damaged or foreign one stops the restore with an error naming
 * the session. Records are collected into a window of `windowBytes` where a later version of a
 * session replaces the earlier one (a changelog not compacted yet holds several), and a full
 * window is written in large pipelined scripts while the next one is read. A session met again
 * in a later window is written again over this run's earlier write, guarded by its version, so
 * the last version in the changelog is what stays. Records published without a checksum (by an
 * older projector) are decoded and checked in full instead, as before.
 */
export async function prefillFromChangelog(
  options: {
    kafka: KafkaClient;
    topic: string;
    partitions: number;
    target: ReplayTarget;
    groupPrefix: string;
    signal: AbortSignal;
    progress: ProgressReporter;
    onBatch?: () => Promise<void>;
  } & ChangelogPrefillTuning,
): Promise<ChangelogPrefill> {
  const started = performance.now();
  const windowBytes = options.windowBytes ?? 32 * 1024 * 1024;
  /** Versions this run wrote, for a session met again in a later window. */
  const written = new Map<string, number>();
  const markers = new Map<number, Map<string, string>>();
  let window = new Map<string, Buffer>();
  let bytes = 0;
  let records = 0;
  let writes = 0;
  let inFlight: Promise<void> = Promise.resolve();

  async function writeWindow(documents: Map<string, Buffer>) {
    const batch: DocumentWrite[] = [];
    for (const [sessionId, document] of documents) {
      batch.push({ sessionId, document, expectedVersion: written.get(sessionId) ?? 0 });
    }
    writes += batch.length;
    const result = await options.target.writeDocuments(batch);
    if (!result.ok) {
      throw new Error(
        `${options.target.label} changed while the changelog was restored into it (${result.conflict.subject}); it is not a fresh generation`,
      );
    }
    for (const { sessionId, document } of batch) {
      const version = storedVersionOf(document);
      if (version === undefined) throw unreadable(sessionId, 'its meta.event_count cannot be read');
      written.set(sessionId, version);
    }
  }

  /** One window in flight while the next is read: waits for the previous one first. */
  async function flush() {
    const documents = window;
    window = new Map();
    bytes = 0;
    await inFlight;
    inFlight = writeWindow(documents);
    // Awaited by the next flush or at the end; a failure must not go unhandled meanwhile.
    inFlight.catch(() => undefined);
  }

  async function collect(partition: number, entries: readonly ChangelogEntry[]) {
    for (const { record } of entries) {
      if (record.kind === 'marker') {
        markers.set(partition, record.positions);
        continue;
      }
      if (record.kind !== 'snapshot') continue;
      const document = trusted(record, partition);
      const previous = window.get(record.sessionId);
      if (previous !== undefined) bytes -= previous.length;
      // Delete first, so the window keeps the order of each session's last version.
      window.delete(record.sessionId);
      window.set(record.sessionId, document);
      bytes += document.length;
      if (bytes >= windowBytes) await flush();
    }
    records += entries.length;
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
    fetchBytes: options.fetchBytes ?? { perPartition: 16 * 1024 * 1024, total: 48 * 1024 * 1024 },
    onRecords: collect,
  });
  await flush();
  await inFlight;
  for (const marker of markers.values()) {
    const checkpoints: CheckpointWrite[] = [...marker].flatMap(([field, nextOffset]) => {
      const tp = parseTopicPartitionKey(field);
      return tp === undefined ? [] : [{ ...tp, nextOffset, expected: null }];
    });
    if (checkpoints.length === 0) continue;
    const result = await options.target.store.commit({ snapshots: [], checkpoints });
    if (!result.ok) {
      throw new Error(
        `${options.target.label} changed while the changelog was restored into it (${result.conflict.subject}); it is not a fresh generation`,
      );
    }
  }
  return {
    sessions: written.size,
    records,
    writes,
    markers: markers.size,
    durationMs: performance.now() - started,
  };
}

/** The bytes to write for a snapshot record: checked by its checksum, or decoded in full. */
function trusted(record: Parameters<typeof checkedDocument>[0], partition: number): Buffer {
  const checked = checkedDocument(record);
  if (checked.ok) return checked.document;
  if (checked.reason === 'corrupt') throw unreadable(record.sessionId, checked.message, partition);
  const decoded = decodeSnapshot(record.value.toString('utf8'));
  if (!decoded.ok) throw unreadable(record.sessionId, decoded.error.message, partition);
  return Buffer.from(encodeSnapshot(decoded.value), 'utf8');
}

function unreadable(sessionId: string, why: string, partition?: number): CliError {
  const where = partition === undefined ? '' : ` (partition ${partition})`;
  return new CliError(
    'failure',
    `The changelog's snapshot of session ${JSON.stringify(sessionId)}${where} cannot be restored: ` +
      `${why}. Restore with --from-offset earliest instead.`,
  );
}
