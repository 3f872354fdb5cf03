import { createProjectionEngine, type DeadLetterSink, type TopicNames } from '@checkout/engine';
// Types only: the package is loaded when an archive is opened (see eventStoreArchive).
import type { ArchiveReadReport, EventStoreBatch } from '@checkout/eventstore';
import { isTransientError } from '@checkout/kafka';
import { CliError } from '../cli-error.ts';
import type { ProgressReporter } from '../output/progress.ts';
import { replayFromEventStore } from '../sources/eventstore-source.ts';
import { createReplayStats, type ReplaySummary } from './replay-stats.ts';
import type { ReplayTarget } from './replay-target.ts';

/** Where archived history comes from: EventStoreDB in production, a fake in tests. */
export interface ArchiveSource {
  /** For messages, without credentials. */
  readonly label: string;
  batches(signal: AbortSignal): AsyncIterable<EventStoreBatch>;
  close(): Promise<void>;
}

/** `--source eventstore`: the archive at EVENTSTORE_URL, checked before anything is written. */
export async function eventStoreArchive(url: string, topics: TopicNames): Promise<ArchiveSource> {
  // Loaded here, not at start: the EventStoreDB client takes ~0.3 s to load, and every other
  // checkout-rebuild run (a restore from the changelog most of all) would pay for it.
  const { connectEventStore, readEventStore, redact, verifyEventStore } =
    await import('@checkout/eventstore');
  const client = connectEventStore(url);
  try {
    await verifyEventStore(client);
  } catch (error) {
    await client.dispose().catch(() => undefined);
    throw error;
  }
  return {
    label: `EventStoreDB ${redact(url)}`,
    batches: (signal) => readEventStore(client, { topics, signal }),
    close: () => client.dispose(),
  };
}

export interface ArchivePrefill {
  summary: ReplaySummary;
  archive: ArchiveReadReport;
}

/**
 * The first phase of `--source eventstore`: the archive through the same engine into the
 * target. The archive carries the original Kafka offsets, so the target's checkpoints end up
 * where the Kafka replay continues (startPositions then checks that they reach the log start).
 */
export async function prefillFromArchive(options: {
  archive: ArchiveSource;
  target: ReplayTarget;
  deadLetters: DeadLetterSink;
  topics: TopicNames;
  currency: string;
  signal: AbortSignal;
  progress: ProgressReporter;
  /** After each stored batch (a heartbeat). */
  onBatch?: () => Promise<void>;
}): Promise<ArchivePrefill> {
  const stats = createReplayStats();
  const engine = createProjectionEngine({
    store: options.target.store,
    deadLetters: options.deadLetters,
    topics: options.topics,
    domain: { currency: options.currency },
    observer: stats.observer,
  });
  try {
    const result = await replayFromEventStore({
      engine,
      batches: options.archive.batches(options.signal),
      isRetryable: isTransientError,
      signal: options.signal,
      onProgress: ({ records }) => {
        void options.onBatch?.().catch(() => undefined);
        options.progress.update({
          phase: `reading ${options.archive.label}`,
          done: records,
          total: records,
          eventsPerSecond: stats.eventsPerSecond(),
          partitions: [],
        });
      },
    });
    if (!result.complete)
      throw new CliError('interrupted', `Interrupted while replaying ${options.archive.label}.`);
    return { summary: stats.summary(), archive: result.archive };
  } finally {
    options.progress.stop();
  }
}
