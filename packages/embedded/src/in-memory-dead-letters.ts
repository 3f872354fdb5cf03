import type { DeadLetterEntry, DeadLetterSink } from '@checkout/engine';

/** The embedded dead-letter topic: entries are kept (bounded) so the HTTP API can show them. */
export interface InMemoryDeadLetters extends DeadLetterSink {
  entries(): readonly DeadLetterEntry[];
  /** Entries ever published, including those evicted from the bounded buffer. */
  total(): number;
}

export function createInMemoryDeadLetters(options: { keep?: number } = {}): InMemoryDeadLetters {
  const keep = options.keep ?? 10_000;
  const kept: DeadLetterEntry[] = [];
  let total = 0;
  return {
    async publish(entries) {
      kept.push(...entries);
      total += entries.length;
      if (kept.length > keep) kept.splice(0, kept.length - keep);
    },
    entries: () => kept,
    total: () => total,
  };
}
