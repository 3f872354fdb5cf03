import type { WorkingSession } from './fold-batch.ts';

/**
 * Sessions kept in memory after their wave was stored, so the next wave of their partition
 * number folds onto them without loading them again (issue 12 §1: "sessions stay in the
 * working set across waves while memory allows").
 *
 * Why it pays: a caught-up projector stores small waves at once, and without this every wave
 * loads (MGET + decode) each session it touches although this engine wrote that very document
 * a moment ago. A kept session is exactly what the last commit stored.
 *
 * Why it is safe: partition N of every topic has one owner, and every write is guarded (each
 * snapshot by its version, each checkpoint by its value, the commit by its generation), so a
 * kept session that the store no longer holds as it is (another writer after a rebalance, a
 * flush, a restore, an expiry) fails the next commit's guard instead of being written over
 * it. The engine lets go of a partition number's kept sessions whenever it stops trusting
 * what it believes of it (a conflict, a revoke, a checkpoint that went back), and a load
 * from another generation than theirs lets them go too (`behind`).
 *
 * Bounded in bytes (`WaveLimits.workingSetMaxBytes`, WORKING_SET_MAX_BYTES), counting the pending waves' sessions as well: a
 * catching-up engine, whose waves are large, keeps little; a caught-up one, whose waves are
 * small, keeps up to the bound. The least recently kept go first.
 */
export interface KeptSessions {
  /** A kept session of this partition number, left kept: a fold may fail and be retried. */
  peek(sessionId: string, partition: number): WorkingSession | undefined;
  /** The generation the kept sessions of a partition number were stored in. */
  generationOf(partition: number): string | null | undefined;
  /** It joined a wave: the wave holds it now (one place for one session's state). */
  take(sessionId: string): void;
  /** After a wave's commit: its sessions as stored, in that generation. */
  keep(
    partition: number,
    generation: string | null,
    sessions: Iterable<[string, WorkingSession]>,
  ): void;
  /** Lets the least recently kept go until they fit beside `pendingBytes` of pending waves. */
  fitBeside(pendingBytes: number): void;
  /** Lets go of every kept session of these partition numbers. */
  drop(partitions: Iterable<number>): void;
  /** The partition numbers among `partitions` whose kept sessions are not of `generation`. */
  behind(
    partitions: Iterable<number>,
    generation: (partition: number) => string | null | undefined,
  ): number[];
  readonly bytes: number;
  readonly size: number;
}

interface Kept {
  partition: number;
  session: WorkingSession;
}

export function createKeptSessions(maxBytes: number): KeptSessions {
  /** Least recently kept first. */
  const kept = new Map<string, Kept>();
  /** Per partition number that has kept sessions: their generation and how many there are. */
  const partitions = new Map<number, { generation: string | null; count: number }>();
  let bytes = 0;

  function remove(sessionId: string, entry: Kept) {
    kept.delete(sessionId);
    bytes -= entry.session.bytes;
    const of = partitions.get(entry.partition);
    if (of !== undefined && --of.count === 0) partitions.delete(entry.partition);
  }

  function drop(numbers: Iterable<number>) {
    const dropped = new Set([...numbers].filter((partition) => partitions.has(partition)));
    if (dropped.size === 0) return;
    for (const [sessionId, entry] of kept)
      if (dropped.has(entry.partition)) remove(sessionId, entry);
  }

  return {
    peek(sessionId, partition) {
      const entry = kept.get(sessionId);
      return entry?.partition === partition ? entry.session : undefined;
    },
    generationOf: (partition) => partitions.get(partition)?.generation,
    take(sessionId) {
      const entry = kept.get(sessionId);
      if (entry !== undefined) remove(sessionId, entry);
    },
    keep(partition, generation, sessions) {
      if (maxBytes === 0) return;
      // One generation per partition number: what a commit in another one stored replaces it.
      if (partitions.get(partition)?.generation !== generation) drop([partition]);
      for (const [sessionId, session] of sessions) {
        const before = kept.get(sessionId);
        if (before !== undefined) remove(sessionId, before);
        let of = partitions.get(partition);
        if (of === undefined) partitions.set(partition, (of = { generation, count: 0 }));
        of.count += 1;
        kept.set(sessionId, { partition, session });
        bytes += session.bytes;
      }
    },
    fitBeside(pendingBytes) {
      for (const [sessionId, entry] of kept) {
        if (bytes + pendingBytes <= maxBytes) break;
        remove(sessionId, entry);
      }
    },
    drop,
    behind(numbers, generation) {
      const stale: number[] = [];
      for (const partition of numbers) {
        const of = partitions.get(partition);
        const expected = of === undefined ? undefined : generation(partition);
        if (of !== undefined && expected !== undefined && expected !== of.generation)
          stale.push(partition);
      }
      return stale;
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return kept.size;
    },
  };
}
