import { compareOffsets } from '@checkout/domain';
import { EngineError, historyTruncated } from '@checkout/engine';

/** What is known about one partition when it is assigned. */
export interface PartitionStart {
  /** Redis checkpoint (next offset to read), null when none is stored. */
  checkpoint: string | null;
  /** Log start offset (low watermark). */
  low: string;
  /** Log end offset (high watermark). */
  high: string;
}

export type ResumeTarget = { ok: true; offset: string } | { ok: false; error: EngineError };

/**
 * Where a partition must resume: the Redis checkpoint, authoritative (SPEC §6); Kafka's
 * committed offset is only where kafkajs happens to start fetching.
 *
 * - no checkpoint: the beginning of the log, which must still be offset 0;
 * - a checkpoint inside [low, high]: the checkpoint;
 * - a checkpoint below the log start (retention deleted events never projected) or no
 *   checkpoint with a log start above 0: refuse, never jump over history;
 * - a checkpoint beyond the log end: the topic was recreated or lost data; refuse too.
 */
export function resumeTarget(partitionKey: string, start: PartitionStart): ResumeTarget {
  if (start.checkpoint === null) {
    return start.low === '0'
      ? { ok: true, offset: '0' }
      : { ok: false, error: historyTruncated(partitionKey, 'none', start.low) };
  }
  if (compareOffsets(start.checkpoint, start.low) < 0)
    return { ok: false, error: historyTruncated(partitionKey, start.checkpoint, start.low) };
  if (compareOffsets(start.checkpoint, start.high) > 0)
    return {
      ok: false,
      error: checkpointBeyondLogEnd(partitionKey, start.checkpoint, start.high, start.low),
    };
  return { ok: true, offset: start.checkpoint };
}

/**
 * A stored checkpoint past the log end, found at assignment or by a running batch: the topic
 * was recreated, lost acknowledged records, or went back (a leader without them took over).
 * New records would reuse offsets the state already holds, so the partition is refused.
 */
export function checkpointBeyondLogEnd(
  partitionKey: string,
  checkpoint: string,
  logEnd: string,
  logStart?: string,
): EngineError {
  return new EngineError(
    'HISTORY_TRUNCATED',
    `Partition ${partitionKey}: the stored checkpoint is ${checkpoint} but the log now ends at ${logEnd}; ` +
      'the topic was recreated, lost acknowledged records or went back, so the stored state does not describe ' +
      'this log. Refusing to continue. Rebuild the projection (`checkout-rebuild --from-offset earliest`) or restore the topic.',
    {
      canRetry: false,
      context: {
        partitionKey,
        checkpoint,
        ...(logStart === undefined ? {} : { logStart }),
        logEnd,
      },
    },
  );
}
