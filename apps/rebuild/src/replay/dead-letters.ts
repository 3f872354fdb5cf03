import type { DeadLetterEntry, DeadLetterSink } from '@checkout/engine';

/**
 * Where a replay's poison records go.
 *
 * A replay that writes the live projection (a blue/green rebuild, a recovery) publishes them to
 * the dead-letter topic like the projector: records past the live checkpoint at the switch are
 * judged by the rebuild alone, and a changed fold may reject what it used to accept. Records
 * the projector had already dead-lettered are published again; entries are identified by their
 * original topic/partition/offset (the DLQ is at-least-once by contract).
 * A replay that writes nothing live (`--dry-run`, `--verify`, `--session`) only counts them.
 */
export interface CountingDeadLetters extends DeadLetterSink {
  published(): number;
}

export function countingDeadLetters(forward?: DeadLetterSink): CountingDeadLetters {
  let count = 0;
  return {
    async publish(entries: readonly DeadLetterEntry[]) {
      if (forward !== undefined) await forward.publish(entries);
      count += entries.length;
    },
    published: () => count,
  };
}
