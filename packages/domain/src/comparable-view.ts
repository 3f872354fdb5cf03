import type { CheckoutOrder } from './order.ts';

/**
 * The order without `meta.recent_event_ids`, the one field whose content depends on how topics
 * interleave (see recent-event-ids.ts), and without `meta.fold_version`, which says which fold
 * wrote the document, not what it holds: a fold upgrade that leaves a session's content as it was
 * is no drift. Determinism checks and rebuild verification compare this.
 */
export function comparableView(order: CheckoutOrder): unknown {
  return {
    ...order,
    meta: {
      event_count: order.meta.event_count,
      offsets: order.meta.offsets,
      ...(order.meta.history_incomplete === true ? { history_incomplete: true } : {}),
    },
  };
}
