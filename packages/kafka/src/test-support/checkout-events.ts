import type { CheckoutTopic } from '@checkout/domain';
import type { Message } from 'kafkajs';

let sequence = 0;

/**
 * One valid event of `topic` for `sessionId` as a Kafka message (SPEC §2–§3), keyed by the
 * session id. Cart events add `quantity` items, so totals reveal lost or doubled events.
 */
export function checkoutEventMessage(
  topic: CheckoutTopic,
  sessionId: string,
  quantity = 1,
): Message {
  sequence += 1;
  const event_id = `evt-${process.pid}-${sequence}`;
  const occurred_at = new Date(Date.UTC(2026, 0, 1, 12, 0, sequence % 60)).toISOString();
  const envelope = {
    event_id,
    aggregate_id: sessionId,
    occurred_at,
    correlation_id: `corr-${sequence}`,
  };
  return {
    key: sessionId,
    value: JSON.stringify({ ...envelope, ...body(topic, sequence, quantity) }),
    headers: { 'x-test': 'kafka' },
  };
}

function body(
  topic: CheckoutTopic,
  n: number,
  quantity: number,
): { event_name: string; payload: object } {
  switch (topic) {
    case 'cart-events':
      return {
        event_name: 'cart.item_added',
        payload: { sku: `SKU-${n % 5}`, quantity, unit_price_cents: 100 },
      };
    case 'shipping-events':
      return {
        event_name: 'shipping.method_selected',
        payload: { method: `courier-${n % 3}`, cost_cents: 500 },
      };
    case 'promotion-events':
      return {
        event_name: 'promotion.applied',
        payload: { promotion_id: `promo-${n % 4}`, discount_cents: 10 },
      };
    case 'services-events':
      return {
        event_name: 'services.selected',
        payload: { services: [{ service_id: `svc-${n % 2}`, price_cents: 7 }] },
      };
    case 'payment-events':
      return { event_name: 'payment.method_selected', payload: { method: `card-${n % 2}` } };
  }
}
