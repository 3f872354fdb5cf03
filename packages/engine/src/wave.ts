import { compareOffsets, offsetAfter } from '@checkout/domain';
import type { WorkingSession } from './fold-batch.ts';
import type { OutcomeCount } from './observer.ts';
import type { CheckpointWrite, SnapshotWrite } from './ports/projection-store.ts';
import type { TopicPartition } from './ports/source-record.ts';

/**
 * A wave: what the engine folded for one partition number and has not stored yet.
 *
 * Why waves: a session's events arrive over many batches (about 23 per session, spread over
 * the five topics' batches), and storing after every batch loads, decodes, encodes and writes
 * the session once per batch. A wave folds batch after batch onto the same working sessions,
 * each loaded once, and writes every changed one once, with the checkpoints, in one guarded
 * commit. The source decides when a wave ends (caught up, a stop, a rebalance); the wave says
 * when it must (its bytes or its age past `WaveLimits`). Partition N of every topic holds the same sessions, so a
 * wave is one partition number: its commit is one compare-and-set, as a batch's was.
 */
export interface Wave {
  readonly partition: number;
  /** Every session the wave folded or loaded, least recently loaded first. */
  readonly sessions: Map<string, WorkingSession>;
  /** The store generation its sessions were loaded from; undefined before the first load. */
  generation: string | null | undefined;
  /** Per logical `"<topic>:<partition>"` the wave folded: its guard and its range. */
  readonly positions: Map<string, WavePosition>;
  /** Monotonic ms of its first fold: the time bound counts from here. */
  readonly startedAt: number;
  records: number;
  readonly outcomes: OutcomeCount[];
  /** Sessions started on lost history (`LoadedSnapshots.historyGone`). */
  readonly onLostHistory: Set<string>;
  /** Sessions to publish as stored although nothing changed them (a lagging changelog). */
  readonly republished: Set<string>;
  /** Sessions it read from the store, and sessions it took from the kept ones (kept-sessions.ts). */
  sessionsRead: number;
  sessionsKept: number;
  /** Its sessions' bytes (`waveBytes`) as measured after its last fold. */
  bytes: number;
  /** Engine time spent on it, and the part of that spent waiting for the store. */
  busyMs: number;
  storeMs: number;
}

export interface WavePosition {
  physical: TopicPartition;
  logical: TopicPartition;
  /** The checkpoint believed stored when the wave first folded this partition: its guard. */
  expected: string | null;
  /** Lowest and highest offset folded (or republished) in this partition. */
  first: string;
  last: string;
}

/** How large and how old a wave may grow before it must be stored, and what stays after. */
export interface WaveLimits {
  /** Bytes of its working sessions (an estimate of their documents' size). */
  maxBytes: number;
  /** Milliseconds since its first fold. */
  maxMs: number;
  /**
   * Bytes of sessions the engine keeps in memory across waves, every pending wave's counted
   * too (kept-sessions.ts); 0 keeps none.
   */
  workingSetMaxBytes: number;
}

/**
 * 16 MiB of documents: about 5 000 sessions of a few KB, tens of thousands of events, far
 * below REDIS_MAX_COMMIT_BYTES (64 MiB); one second, so a catching-up projector still stores
 * its progress every second. The working set keeps 4 MiB, about 1 000 sessions: in the bench's
 * caught-up load (BENCHMARKS.md, change 11) 70-93 % of the sessions a wave touched came from it,
 * the same share as with 16 MiB, and less of the heap stays alive between waves. A catching-up
 * engine, whose pending waves fill 4 MiB, keeps nothing: its peak memory is the waves' alone.
 */
export const DEFAULT_WAVE_LIMITS: WaveLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxMs: 1000,
  workingSetMaxBytes: 4 * 1024 * 1024,
};

export function createWave(partition: number, startedAt: number): Wave {
  return {
    partition,
    sessions: new Map(),
    generation: undefined,
    positions: new Map(),
    startedAt,
    records: 0,
    outcomes: [],
    onLostHistory: new Set(),
    republished: new Set(),
    sessionsRead: 0,
    sessionsKept: 0,
    bytes: 0,
    busyMs: 0,
    storeMs: 0,
  };
}

/** Where the wave's state of a partition ends: the offset after the last record it holds. */
export function waveNextOffset(wave: Wave, logicalKey: string): string | undefined {
  const position = wave.positions.get(logicalKey);
  return position === undefined ? undefined : offsetAfter(position.last);
}

/** Widens the wave's range of a partition; the first range sets the guard. */
export function extendPosition(
  wave: Wave,
  logicalKey: string,
  range: Omit<WavePosition, 'expected'>,
  expected: string | null,
): void {
  const position = wave.positions.get(logicalKey);
  if (position === undefined) {
    wave.positions.set(logicalKey, { ...range, expected });
    return;
  }
  if (compareOffsets(range.first, position.first) < 0) position.first = range.first;
  if (compareOffsets(range.last, position.last) > 0) position.last = range.last;
}

/** What the byte bound counts: its sessions' bytes (WorkingSession.bytes). */
export function waveBytes(wave: Wave): number {
  let bytes = 0;
  for (const session of wave.sessions.values()) bytes += session.bytes;
  return bytes;
}

export function msLeft(wave: Wave, limits: WaveLimits, now: number): number {
  return Math.max(0, wave.startedAt + limits.maxMs - now);
}

/** The checkpoint each partition moves to: one past its last record, never backwards. */
export function waveCheckpoints(wave: Wave): CheckpointWrite[] {
  const writes: CheckpointWrite[] = [];
  for (const { logical, expected, last } of wave.positions.values()) {
    const nextOffset = offsetAfter(last);
    // A redelivery entirely below the checkpoint must not move it back.
    if (expected !== null && compareOffsets(expected, nextOffset) >= 0) continue;
    writes.push({ topic: logical.topic, partition: logical.partition, nextOffset, expected });
  }
  return writes;
}

export function changedSnapshots(wave: Wave): SnapshotWrite[] {
  const writes: SnapshotWrite[] = [];
  for (const [sessionId, session] of wave.sessions)
    if (session.changed)
      writes.push({
        sessionId,
        order: session.order,
        expectedVersion: session.expectedVersion,
        ...(session.mark === undefined ? {} : { expectedMark: session.mark }),
      });
  return writes;
}

/** Sessions written onto lost history by this wave: marked `meta.history_incomplete`. */
export function writtenOnLostHistory(wave: Wave): string[] {
  return [...wave.onLostHistory].filter((id) => wave.sessions.get(id)?.changed === true);
}
