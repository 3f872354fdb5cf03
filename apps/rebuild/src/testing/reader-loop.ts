import type { CheckoutSnapshot } from '@checkout/domain';
import { createCheckoutReader } from '@checkout/redis';

type ReaderRedis = Parameters<typeof createCheckoutReader>[0]['redis'];

export interface ReaderLoop {
  /** Stops the loop; resolves with what it saw. */
  stop(): Promise<{ reads: number; rounds: number; violations: string[] }>;
}

/**
 * Reads `sessionIds` over and over as a reader service would (createCheckoutReader: pointer,
 * then snapshot) and records every violation of what a zero-downtime rebuild promises: a
 * session that existed never reads as missing, and never goes back in time (its event count
 * and every per-partition offset only grow).
 */
export function startReaderLoop(
  redis: ReaderRedis,
  namespace: string,
  sessionIds: readonly string[],
): ReaderLoop {
  const reader = createCheckoutReader({ redis, namespace });
  const seen = new Map<string, CheckoutSnapshot>();
  const violations: string[] = [];
  let reads = 0;
  let rounds = 0;
  let running = true;
  /** A read that failed (the servers stopped under a test that failed first): said by stop(). */
  let failure: unknown;

  const loop = (async () => {
    while (running) {
      for (const sessionId of sessionIds) {
        const order = await reader.getOrder(sessionId);
        reads += 1;
        const before = seen.get(sessionId);
        if (order === null) {
          violations.push(`${sessionId}: missing (round ${rounds})`);
          continue;
        }
        if (before !== undefined) {
          if (order.meta.event_count < before.meta.event_count) {
            violations.push(
              `${sessionId}: event_count ${before.meta.event_count} → ${order.meta.event_count}`,
            );
          }
          for (const [field, offset] of Object.entries(before.meta.offsets)) {
            const now = order.meta.offsets[field];
            if (now === undefined || BigInt(now) < BigInt(offset)) {
              violations.push(`${sessionId}: ${field} ${offset} → ${now ?? 'absent'}`);
            }
          }
        }
        seen.set(sessionId, order);
      }
      rounds += 1;
    }
  })().catch((error: unknown) => {
    failure = error;
  });

  return {
    async stop() {
      running = false;
      await loop;
      if (failure !== undefined) throw failure;
      return { reads, rounds, violations };
    },
  };
}
