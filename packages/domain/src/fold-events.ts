import type { CheckoutEvent } from './event-catalog.ts';
import type { DomainConfig } from './config.ts';
import { initialCheckoutOrder, type CheckoutOrder } from './order.ts';
import { applyEvent } from './apply-event.ts';
import type { RecordPosition } from './record-position.ts';

/**
 * The reference fold: what every stored snapshot must equal after recovery (SPEC §6). Records go
 * through `applyEvent` in the order given; skipped and rejected ones change nothing. The caller
 * routes records by session (`sessionIdOf`); this does not filter.
 */
export function foldEvents(
  sessionId: string,
  records: Iterable<{ event: CheckoutEvent; position?: RecordPosition }>,
  config?: Partial<DomainConfig>,
): CheckoutOrder {
  let order = initialCheckoutOrder(sessionId, config);
  for (const record of records) {
    const outcome = applyEvent(order, record.event, record.position);
    if (outcome.status === 'applied') order = outcome.order;
  }
  return order;
}
