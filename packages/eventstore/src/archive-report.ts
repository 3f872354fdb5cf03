import type { UnmappableEvent, UnmappableReason } from './eventstore-mapping.ts';
import { describePosition, type EventStoreBatch } from './read-eventstore.ts';

/** What a read of the archive saw, for the operator: nothing unmapped goes unmentioned. */
export interface ArchiveReadReport {
  /** ESDB events read. */
  read: number;
  /** Records handed to the engine. */
  records: number;
  unmappable: {
    count: number;
    byReason: Partial<Record<UnmappableReason, number>>;
    /** The first few, to find them in the database. */
    examples: UnmappableEvent[];
  };
  skipped: { system: number; foreign: number; filtered: number };
  /** `$all` position of the last event read (`C:<commit>/P:<prepare>`), null before any. */
  position: string | null;
}

export interface ArchiveReport {
  add(batch: EventStoreBatch): void;
  current(): ArchiveReadReport;
}

/** Sums batches in constant memory (at most `maxExamples` examples kept). */
export function createArchiveReport(maxExamples = 5): ArchiveReport {
  const report: ArchiveReadReport = {
    read: 0,
    records: 0,
    unmappable: { count: 0, byReason: {}, examples: [] },
    skipped: { system: 0, foreign: 0, filtered: 0 },
    position: null,
  };
  return {
    add(batch) {
      report.read += batch.read;
      report.records += batch.records.length;
      for (const event of batch.unmappable) {
        report.unmappable.count += 1;
        report.unmappable.byReason[event.reason] =
          (report.unmappable.byReason[event.reason] ?? 0) + 1;
        if (report.unmappable.examples.length < maxExamples) report.unmappable.examples.push(event);
      }
      report.skipped.system += batch.skipped.system;
      report.skipped.foreign += batch.skipped.foreign;
      report.skipped.filtered += batch.skipped.filtered;
      report.position = describePosition(batch.position);
    },
    current() {
      return structuredClone(report);
    },
  };
}
