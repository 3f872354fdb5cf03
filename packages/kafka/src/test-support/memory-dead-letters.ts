import type { DeadLetterEntry, DeadLetterSink } from '@checkout/engine';

/** A DeadLetterSink that keeps what it is given (tests). */
export interface MemoryDeadLetters extends DeadLetterSink {
  entries: DeadLetterEntry[];
}

export function createMemoryDeadLetters(): MemoryDeadLetters {
  const sink: MemoryDeadLetters = {
    entries: [],
    async publish(entries) {
      sink.entries.push(...entries);
    },
  };
  return sink;
}
