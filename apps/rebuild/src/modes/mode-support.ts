import { CliError, type CliErrorReason } from '../cli-error.ts';
import { exitReasonOf } from '../exit-codes.ts';
import type { PartitionPlan, ReplayPositions } from '../replay/catch-up.ts';

/** Re-throws `error` with advice appended, keeping its exit reason. */
export function withAdvice(error: unknown, advice: string): CliError {
  const reason = exitReasonOf(error);
  const kept: CliErrorReason = reason === 'ok' || reason === 'drift' ? 'failure' : reason;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return new CliError(kept, `${message}\n${advice}`, code === undefined ? {} : { code });
}

/** Records to replay over all partitions. */
export function eventsToReplay(plans: readonly PartitionPlan[]): bigint {
  return plans.reduce((sum, { start, high }) => sum + (high > start ? high - start : 0n), 0n);
}

/** Per-partition result rows for the JSON output. */
export function partitionRows(plans: readonly PartitionPlan[], positions: ReplayPositions) {
  return plans.map(({ field, start, high }) => ({
    partition: field,
    start: String(start),
    high_at_start: String(high),
    checkpoint: positions.stored.get(field) ?? null,
  }));
}

/** Calls `beat` at most every `intervalMs`. */
export function throttled(intervalMs: number, beat: () => Promise<void>): () => Promise<void> {
  let last = 0;
  return async () => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    await beat();
  };
}
