import { compareOffsets } from '@checkout/domain';
import { historyTruncated, type EngineError } from '@checkout/engine';
import { checkpointBeyondLogEnd } from './resume-target.ts';
import type { PartitionWatermarks } from './topic-layout.ts';

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
 * - a high watermark below the checkpoint: the log may have gone back (a leader without our
 *   records took over), and the offsets the state holds would be reused by other records. But
 *   a batch's high watermark is as old as its fetch, and the checkpoint may be younger: one
 *   adopted after a conflict was stored by a writer that read further. Only a log end read
 *   after the checkpoint can tell, so both suspicions are judged against the broker's
 *   watermarks read now ({@link judgeAgainstLog}).
 */
export type BatchContinuity =
  | { kind: 'continuous' }
  /** Starts above the checkpoint: fine if the log still holds the offsets in between. */
  | { kind: 'gap'; checkpoint: string }
  /** Its log end is below the checkpoint: fine if the log end now is not. */
  | { kind: 'ends-below'; checkpoint: string };

export function batchContinuity(
  /** The engine's stored checkpoint; null = none (the log must start at 0); undefined = unknown. */
  checkpoint: string | null | undefined,
  batch: { firstOffset: string | null; highWatermark: string },
): BatchContinuity {
  if (checkpoint === undefined || batch.firstOffset === null) return { kind: 'continuous' };
  const from = checkpoint ?? '0';
  if (compareOffsets(batch.highWatermark, from) < 0)
    return { kind: 'ends-below', checkpoint: from };
  return compareOffsets(batch.firstOffset, from) > 0
    ? { kind: 'gap', checkpoint: from }
    : { kind: 'continuous' };
}

/**
 * A suspicion of {@link batchContinuity}, judged against the watermarks read from the broker
 * after it was raised: null when the batch continues the stored state after all.
 */
export function judgeAgainstLog(
  partitionKey: string,
  suspicion: Exclude<BatchContinuity, { kind: 'continuous' }>,
  now: PartitionWatermarks,
): EngineError | null {
  const { checkpoint } = suspicion;
  if (suspicion.kind === 'ends-below') {
    return compareOffsets(now.high, checkpoint) < 0
      ? checkpointBeyondLogEnd(partitionKey, checkpoint, now.high, now.low)
      : null;
  }
  return compareOffsets(now.low, checkpoint) > 0
    ? historyTruncated(partitionKey, checkpoint, now.low)
    : null;
}
