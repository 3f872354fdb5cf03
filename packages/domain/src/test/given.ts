import { expect } from 'vitest';
import type { CheckoutEvent } from '../event-catalog.ts';
import { evolve } from '../evolve.ts';
import { initialCheckoutOrder, type CheckoutOrder } from '../order.ts';
import type { RejectionReason } from '../rejection.ts';
import { getTotals, type CheckoutTotals } from '../totals.ts';
import { deepFreeze } from './deep-freeze.ts';
import { SESSION } from './events.ts';

type DeepPartial<T> = T extends readonly (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * Given/then for the fold, after emmett's deciderSpecification:
 *
 *   given(itemAdded, itemRemoved).then({ cart: { lines: [] } });
 *   given(...tooMany).thenRejected('limit_exceeded');
 *
 * Events and every intermediate order are deep-frozen, so a mutating `evolve` fails here too.
 */
export function given(...events: CheckoutEvent[]) {
  return {
    /** Every event applies, and the resulting order matches `expected` (a partial match). */
    then(expected: DeepPartial<CheckoutOrder>): CheckoutOrder {
      const order = foldAll(events);
      expect(order).toMatchObject(expected);
      return order;
    },
    /** Every event applies, and the totals match `expected` (a partial match). */
    thenTotals(expected: Partial<CheckoutTotals>): CheckoutTotals {
      const totals = getTotals(foldAll(events));
      expect(totals).toMatchObject(expected);
      return totals;
    },
    /** All but the last event apply; the last is rejected for `reason`. */
    thenRejected(reason: RejectionReason, messageIncludes = ''): void {
      const last = events.at(-1);
      if (last === undefined) throw new Error('thenRejected needs at least one event');
      const result = evolve(foldAll(events.slice(0, -1)), deepFreeze(last));
      expect(result).toMatchObject({ ok: false, error: { reason } });
      if (!result.ok) expect(result.error.message).toContain(messageIncludes);
    },
  };
}

function foldAll(events: readonly CheckoutEvent[]): CheckoutOrder {
  let order = deepFreeze(initialCheckoutOrder(SESSION));
  for (const event of events) {
    const result = evolve(order, deepFreeze(event));
    if (!result.ok) {
      throw new Error(
        `${event.event_name} (${event.event_id}) was rejected: ${result.error.message}`,
      );
    }
    order = deepFreeze(result.value);
  }
  return order;
}
