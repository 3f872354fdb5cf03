import { initialCheckoutOrder, type CheckoutOrder } from '@checkout/domain';

/**
 * Test fixture: a valid order with `eventCount` applied events and `lines` cart lines
 * (about 80 bytes of JSON each; 20 lines make a document of about 2 KB).
 */
export function testOrder(sessionId: string, eventCount: number, lines = 0): CheckoutOrder {
  const initial = initialCheckoutOrder(sessionId);
  return {
    ...initial,
    cart: {
      lines: Array.from({ length: lines }, (_, index) => ({
        sku: `SKU-${String(index).padStart(6, '0')}`,
        name: `Product number ${index}`,
        quantity: 1 + (index % 3),
        unit_price_cents: 1999 + index,
      })),
    },
    created_at: eventCount > 0 ? '2025-01-01T00:00:00.000Z' : null,
    updated_at: eventCount > 0 ? '2025-01-01T00:00:00.000Z' : null,
    meta: {
      event_count: eventCount,
      offsets: eventCount > 0 ? { 'cart-events:0': String(eventCount - 1) } : {},
      recent_event_ids: Array.from(
        { length: Math.min(eventCount, 5) },
        (_, index) => `evt-${sessionId}-${index}`,
      ),
    },
  };
}
