import { compareOffsets, isCheckoutTopic, type CheckoutTopic } from '@checkout/domain';

/**
 * A position a service's producer had acknowledged: the projection must have applied it
 * before the read. `topic` is the logical topic (`cart-events`); a reader created with
 * `topicPrefix` also accepts the physical name (`staging.cart-events`).
 */
export interface AppliedPosition {
  topic: string;
  partition: number;
  offset: string | number | bigint;
}

/** Options of a read that must see the reader's own writes. */
export interface ReadOptions {
  /** Wait until every one of these is applied (checkpoint past its offset). @default none */
  atLeast?: readonly AppliedPosition[];
  /** How long to wait for `atLeast`. @default 5000 */
  timeoutMs?: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 5000;

/** A position not yet applied when the wait ended, with the checkpoint seen last. */
export interface PendingPosition {
  topic: CheckoutTopic;
  partition: number;
  offset: string;
  /** Next offset the projection will read on that partition; null when none is stored. */
  checkpoint: string | null;
}

/**
 * The projection had not applied every `atLeast` position within the timeout: the projector
 * lags, is stopped, or the position is not in its topics. Retryable; or read without
 * `atLeast` and show the answer as possibly stale.
 */
export class NotCaughtUpError extends Error {
  readonly code = 'NOT_CAUGHT_UP';
  readonly canRetry = true;
  readonly pending: readonly PendingPosition[];
  readonly timeoutMs: number;
  constructor(pending: readonly PendingPosition[], timeoutMs: number) {
    super(
      `the projection has not applied ${pending
        .map((p) => `${p.topic}:${p.partition}@${p.offset} (checkpoint ${p.checkpoint ?? 'none'})`)
        .join(
          ', ',
        )} within ${timeoutMs} ms: the projector lags or is stopped; retry, or read without atLeast`,
    );
    this.name = 'NotCaughtUpError';
    this.pending = pending;
    this.timeoutMs = timeoutMs;
  }
}

/** Positions in canonical form: logical topic, decimal offset. A malformed one is a caller bug. */
export function normalisePositions(
  positions: readonly AppliedPosition[],
  topicPrefix = '',
): PendingPosition[] {
  return positions.map(({ topic, partition, offset }) => {
    const logical =
      topicPrefix !== '' && topic.startsWith(topicPrefix) ? topic.slice(topicPrefix.length) : topic;
    const decimal = String(offset);
    if (
      !isCheckoutTopic(logical) ||
      !Number.isSafeInteger(partition) ||
      partition < 0 ||
      !/^(?:0|[1-9][0-9]*)$/.test(decimal)
    ) {
      throw new RangeError(`not a checkout record position: ${topic}:${partition}@${decimal}`);
    }
    return { topic: logical, partition, offset: decimal, checkpoint: null };
  });
}

/**
 * Polls `checkpointOf` until every position is applied (its checkpoint, the next offset to
 * read, is past the offset), or rejects with {@link NotCaughtUpError} at the deadline. Polls
 * fast at first (a write just acknowledged is usually applied within one batch), then every
 * 100 ms.
 */
export async function waitUntilApplied(
  positions: readonly PendingPosition[],
  timeoutMs: number,
  checkpointOf: (position: PendingPosition) => Promise<string | null>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let pending = positions;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    const seen = await Promise.all(
      pending.map(async (position) => ({ ...position, checkpoint: await checkpointOf(position) })),
    );
    pending = seen.filter(
      (p) => p.checkpoint === null || compareOffsets(p.checkpoint, p.offset) <= 0,
    );
    if (pending.length === 0) return;
    const left = deadline - performance.now();
    if (left <= 0) throw new NotCaughtUpError(pending, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}
