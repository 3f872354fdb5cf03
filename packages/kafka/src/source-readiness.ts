/** Called on every change: ready, or not ready and why (shown by `/readyz`). */
export type ReadinessListener = (ready: boolean, reason?: string) => void;

/**
 * Ready = member of the consumer group with an assignment, the broker still answering its
 * heartbeats *and* the last store/broker operation succeeded. Each condition is reported by
 * the part of the source that knows it.
 */
export interface SourceReadiness {
  joined(): void;
  notJoined(reason: string): void;
  healthy(): void;
  unhealthy(reason: string): void;
  /** The broker stopped answering (broker-liveness.ts): a reason, or null once it answers again. */
  stalled(reason: string | null): void;
  /** Partitions stopped by an alarm (partition-halts.ts): a reason, or null when none is. */
  halted(reason: string | null): void;
  /** Partitions replaying after the store went back (replay-state.ts): a reason, or null. */
  replaying(reason: string | null): void;
}

export function createSourceReadiness(listener: ReadinessListener = () => {}): SourceReadiness {
  let membership: string | null = 'connecting to Kafka';
  let failure: string | null = null;
  let stall: string | null = null;
  let halt: string | null = null;
  let replay: string | null = null;
  let last: string | undefined;

  function publish(): void {
    const reason = failure ?? stall ?? halt ?? membership ?? replay;
    const state = reason === null ? 'ready' : `not ready: ${reason}`;
    if (state === last) return;
    last = state;
    if (reason === null) listener(true);
    else listener(false, reason);
  }

  publish();
  return {
    joined() {
      membership = null;
      publish();
    },
    notJoined(reason) {
      membership = reason;
      publish();
    },
    healthy() {
      failure = null;
      publish();
    },
    unhealthy(reason) {
      failure = reason;
      publish();
    },
    stalled(reason) {
      stall = reason;
      publish();
    },
    halted(reason) {
      halt = reason;
      publish();
    },
    replaying(reason) {
      replay = reason;
      publish();
    },
  };
}
