import { EngineError } from '@checkout/engine';
import type { PartitionWatermarks } from '@checkout/kafka';
import type { ReplayStart } from '../rebuild-plan.ts';
import type { PartitionPlan } from './catch-up.ts';

export type StartRule =
  ReplayStart | { kind: 'checkpoints'; checkpoints: ReadonlyMap<string, string> };

/**
 * Where each partition's replay starts and must end (pure). Never jumps over history: a start
 * below the log start (retention deleted it) is `HISTORY_TRUNCATED` (exit 5), like the
 * projector's own resume check.
 *
 * - `earliest`: offset 0, which the log must still hold;
 * - `offset n`: n, or the log end when a partition is shorter (nothing there is ≥ n);
 * - `checkpoints`: each stored checkpoint (none = like `earliest`), which must lie in the log.
 */
export function startPositions(
  watermarks: ReadonlyMap<string, PartitionWatermarks>,
  rule: StartRule,
): { ok: true; value: PartitionPlan[] } | { ok: false; error: EngineError } {
  const plans: PartitionPlan[] = [];
  for (const [field, marks] of watermarks) {
    const low = BigInt(marks.low);
    const high = BigInt(marks.high);
    let start: bigint;
    if (rule.kind === 'offset') {
      if (rule.offset < low)
        return { ok: false, error: truncated(field, rule.offset, low, `--from-offset ${low}`) };
      start = rule.offset < high ? rule.offset : high;
    } else {
      const stored = rule.kind === 'checkpoints' ? rule.checkpoints.get(field) : undefined;
      start = stored === undefined ? 0n : BigInt(stored);
      if (start < low)
        return { ok: false, error: truncated(field, start, low, `--from-offset ${low}`) };
      if (start > high) return { ok: false, error: beyondEnd(field, start, high) };
    }
    plans.push({ field, start, high });
  }
  return { ok: true, value: plans };
}

function truncated(field: string, start: bigint, low: bigint, alternative: string): EngineError {
  return new EngineError(
    'HISTORY_TRUNCATED',
    `Partition ${field} now starts at offset ${low}: retention deleted the events from ${start} on that the ` +
      `replay needs. Replay them from EventStoreDB (--source eventstore), or accept a projection without them ` +
      `(${alternative}: sessions with older events come out incomplete).`,
    { canRetry: false, context: { partition: field, start: String(start), logStart: String(low) } },
  );
}

function beyondEnd(field: string, checkpoint: bigint, high: bigint): EngineError {
  return new EngineError(
    'HISTORY_TRUNCATED',
    `Partition ${field}: the stored checkpoint ${checkpoint} is beyond the log end ${high}; the topic was ` +
      'recreated or lost records, so the stored state does not describe this log. Rebuild with --from-offset earliest.',
    {
      canRetry: false,
      context: { partition: field, checkpoint: String(checkpoint), logEnd: String(high) },
    },
  );
}
