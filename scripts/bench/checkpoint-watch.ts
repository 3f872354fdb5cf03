import type { RedisClient } from './redis-stats.ts';

export interface CheckpointProgress {
  /** `performance.now()` when every checkpoint reached its target. */
  doneAt: number;
  /** HGETALL polls issued (subtracted from the server's command counts). */
  polls: number;
}

/**
 * Polls a checkpoint hash (`<ns>[:gen:<id>]:checkpoint:{<group>}`, logical field names) until
 * every field reached its target: the projector has stored the effect of every record. `key`
 * is asked again on each poll (a rebuild's generation id appears only once it started).
 */
export async function waitForCheckpoints(
  redis: RedisClient,
  options: {
    key: () => Promise<string | undefined>;
    targets: ReadonlyMap<string, bigint>;
    signal: AbortSignal;
    /** Checked on every poll: a child that exited early ends the wait with its error. */
    failed?: () => Error | undefined;
    pollMs?: number;
  },
): Promise<CheckpointProgress> {
  const pollMs = options.pollMs ?? 25;
  let polls = 0;
  while (!options.signal.aborted) {
    const failure = options.failed?.();
    if (failure !== undefined) throw failure;
    const key = await options.key();
    if (key !== undefined) {
      polls += 1;
      const stored = await redis.hgetall(key);
      const behind = [...options.targets].some(
        ([field, target]) => BigInt(stored[field] ?? '0') < target,
      );
      if (!behind) return { doneAt: performance.now(), polls };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error('stopped while waiting for the checkpoints');
}
