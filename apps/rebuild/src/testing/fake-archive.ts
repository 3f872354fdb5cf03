import type { SourceRecord } from '@checkout/engine';
import type { EventStoreBatch } from '@checkout/eventstore';
import type { ArchiveSource } from '../replay/archive-prefill.ts';

/**
 * An archive holding `records` (in per-partition offset order), paged like readEventStore:
 * the EventStoreDB source's contract without a server. The real reader is tested against a
 * server in packages/eventstore.
 */
export function fakeArchive(records: readonly SourceRecord[], pageSize = 500): ArchiveSource {
  return {
    label: 'a test archive',
    async *batches(signal) {
      for (let start = 0; start < records.length; start += pageSize) {
        if (signal.aborted) return;
        const page = records.slice(start, start + pageSize);
        const batch: EventStoreBatch = {
          records: [...page],
          unmappable: [],
          skipped: { system: 0, foreign: 0, filtered: 0 },
          read: page.length,
          position: { commit: BigInt(start + page.length), prepare: BigInt(start + page.length) },
        };
        yield batch;
      }
    },
    close: async () => {},
  };
}
