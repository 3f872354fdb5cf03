import { compareOffsets } from '@checkout/domain';
import { historyTruncated, type EngineError } from '@checkout/engine';
import { checkpointBeyondLogEnd } from './resume-target.ts';

/**
 * # Does a batch continue where the stored state ends? (SPEC §6, "No silent skip")
 *
 * The engine keeps every record at or above a partition's checkpoint and moves the checkpoint
 * past the batch, so a batch that starts *above* the checkpoint would skip the records in
 * between without a word. kafkajs produces exactly that by itself: on OFFSET_OUT_OF_RANGE (a
 * partition stalled past retention, `deleteRecords`, an unclean leader election) it resets
 * the position to the log start, also for a partition that is running and verified.
 *
 * - first offset ≤ checkpoint: continuous (records below it are redeliveries the engine skips);
 * - first offset > checkpoint: a gap. Legitimate when the missing offsets are still inside the
 *   log (transaction markers, aborted records, compaction): the log start is then ≤ the
 *   checkpoint. If the log start is above it, records that were never applied are gone:
 *   history truncated;
 * - a high watermark below the checkpoint: the log went back (a leader without our records
 *   took over); the offsets the state holds will be reused by other records. An alarm too.
 */
export type BatchContinuity =
  | { kind: 'continuous' }
  /** Ask the broker for the log start, then {@link judgeGap}. */
  | { kind: 'gap'; checkpoint: string }
  | { kind: 'log-went-back'; error: EngineError };

export function batchContinuity(
  partitionKey: string,
  /** The engine's stored checkpoint; null = none (the log must start at 0); undefined = unknown. */
  checkpoint: string | null | undefined,
  batch: { firstOffset: string | null; highWatermark: string },
): BatchContinuity {
  if (checkpoint === undefined || batch.firstOffset === null) return { kind: 'continuous' };
  const from = checkpoint ?? '0';
  if (compareOffsets(batch.highWatermark, from) < 0) {
    return {
      kind: 'log-went-back',
      error: checkpointBeyondLogEnd(partitionKey, from, batch.highWatermark),
    };
  }
  return compareOffsets(batch.firstOffset, from) > 0
    ? { kind: 'gap', checkpoint: from }
    : { kind: 'continuous' };
}

/** A gap above `checkpoint` with the log now starting at `logStart`: null when it is legitimate. */
export function judgeGap(
  partitionKey: string,
  checkpoint: string,
  logStart: string,
): EngineError | null {
  return compareOffsets(logStart, checkpoint) > 0
    ? historyTruncated(partitionKey, checkpoint, logStart)
    : null;
}
