import {
  decodeSnapshot,
  emptyTotals,
  getTotals,
  toSnapshot,
  type DomainConfig,
} from '@checkout/domain';
import type { InMemoryProjectionStore } from '@checkout/embedded';
import type { CheckoutQueries } from './http-server.ts';

/** The HTTP read side over the embedded store (Redis mode uses the @checkout/redis reader). */
export function embeddedQueries(
  store: InMemoryProjectionStore,
  config: Partial<DomainConfig>,
): CheckoutQueries {
  const load = (sessionId: string) => {
    const text = store.getDocument(sessionId);
    if (text === undefined) return null;
    const decoded = decodeSnapshot(text);
    if (!decoded.ok)
      throw new Error(`snapshot of ${sessionId} is unreadable: ${decoded.error.message}`);
    return decoded.value;
  };
  return {
    async getOrder(sessionId) {
      const order = load(sessionId);
      return order === null ? null : toSnapshot(order);
    },
    async getTotals(sessionId) {
      const order = load(sessionId);
      return order === null ? emptyTotals(sessionId, config) : getTotals(order);
    },
  };
}
