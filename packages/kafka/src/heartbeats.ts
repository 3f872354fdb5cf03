/** Group membership is being renegotiated: the batch in hand may no longer be ours. */
const MEMBERSHIP_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

export function isMembershipChange(error: unknown): boolean {
  return (
    error instanceof Error && MEMBERSHIP_ERRORS.has(String((error as { type?: unknown }).type))
  );
}

/**
 * Heartbeats for one batch, so a slow store or a long retry does not get the member evicted
 * (kafkajs heartbeats only between batches). Never throws: a failed heartbeat is logged by the
 * caller's `onError`, and a membership change is remembered so retries can stop early.
 */
export interface BatchHeartbeats {
  /** Fire one heartbeat (kafkajs sends it only if its heartbeat interval has elapsed). */
  beat(): void;
  /** Heartbeat every `intervalMs` while `operation` runs. */
  during<T>(operation: () => Promise<T>): Promise<T>;
  readonly membershipChanged: boolean;
}

export function batchHeartbeats(
  heartbeat: () => Promise<void>,
  intervalMs: number,
  onError: (error: unknown) => void,
): BatchHeartbeats {
  let membershipChanged = false;
  function beat(): void {
    heartbeat().catch((error: unknown) => {
      if (isMembershipChange(error)) membershipChanged = true;
      onError(error);
    });
  }
  return {
    beat,
    async during(operation) {
      const timer = setInterval(beat, intervalMs);
      try {
        return await operation();
      } finally {
        clearInterval(timer);
      }
    },
    get membershipChanged() {
      return membershipChanged;
    },
  };
}
