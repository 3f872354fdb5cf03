export interface CheckpointProgress {
  /** `performance.now()` when every checkpoint reached its target. */
  doneAt: number;
  /** Reads issued: one HGETALL per shard each (subtracted from the server's command counts). */
  polls: number;
}

/**
 * Polls the stored checkpoints (logical field names; one hash, or one per tag in a cluster)
 * until every field reached its target: the projector has stored the effect of every record.
 * `read` answers undefined while there is nothing to read yet (a rebuild's generation id
 * appears only once it started).
 */
export async function waitForCheckpoints(options: {
  read: () => Promise<ReadonlyMap<string, string> | undefined>;
  targets: ReadonlyMap<string, bigint>;
  signal: AbortSignal;
  /** Checked on every poll: a child that exited early ends the wait with its error. */
  failed?: () => Error | undefined;
  pollMs?: number;
}): Promise<CheckpointProgress> {
  const pollMs = options.pollMs ?? 25;
  let polls = 0;
  while (!options.signal.aborted) {
    const failure = options.failed?.();
    if (failure !== undefined) throw failure;
    const stored = await options.read();
    if (stored !== undefined) {
      polls += 1;
      const behind = [...options.targets].some(
        ([field, target]) => BigInt(stored.get(field) ?? '0') < target,
      );
      if (!behind) return { doneAt: performance.now(), polls };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error('stopped while waiting for the checkpoints');
}
