import {
  decodeSnapshot,
  emptyTotals,
  getTotals,
  positionKey,
  toSnapshot,
  type DomainConfig,
} from '@checkout/domain';
import type { InMemoryProjectionStore } from '@checkout/embedded';
import {
  DEFAULT_READ_TIMEOUT_MS,
  normalisePositions,
  snapshotVersion,
  waitUntilApplied,
  type ReadOptions,
} from '@checkout/redis';
import type { CheckoutQueries } from './checkout-routes.ts';

/**
 * The HTTP read side over the embedded store (Redis mode uses the @checkout/redis reader),
 * with the same versions (the digest of the stored document) and the same read-your-writes
 * wait, on the store's own checkpoints.
 */
export function embeddedQueries(
  store: InMemoryProjectionStore,
  config: Partial<DomainConfig>,
): CheckoutQueries {
  const load = async (sessionId: string, read: ReadOptions = {}) => {
    if (read.atLeast !== undefined && read.atLeast.length > 0) {
      await waitUntilApplied(
        normalisePositions(read.atLeast),
        read.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
        async ({ topic, partition }) =>
          (await store.loadCheckpoints([{ topic, partition }])).get(
            positionKey({ topic, partition }),
          ) ?? null,
      );
    }
    const text = store.getDocument(sessionId);
    if (text === undefined) return null;
    const decoded = decodeSnapshot(text);
    if (!decoded.ok)
      throw new Error(`snapshot of ${sessionId} is unreadable: ${decoded.error.message}`);
    return { order: decoded.value, version: snapshotVersion(text) };
  };
  return {
    async readOrder(sessionId, read) {
      const loaded = await load(sessionId, read);
      return loaded === null
        ? { value: null, version: null }
        : { value: toSnapshot(loaded.order), version: loaded.version };
    },
    async readTotals(sessionId, read) {
      const loaded = await load(sessionId, read);
      return loaded === null
        ? { value: emptyTotals(sessionId, config), version: null }
        : { value: getTotals(loaded.order), version: loaded.version };
    },
  };
}
