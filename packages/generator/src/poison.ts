import type { CheckoutTopic, RejectionReason } from '@checkout/domain';
import type { SeededRandom } from './seeded-random.ts';

/** A record that must end in the dead-letter topic with `reason`. */
export interface PoisonRecord {
  topic: CheckoutTopic;
  value: string | Buffer;
  reason: RejectionReason;
}

export interface EnvelopeBase {
  event_id: string;
  aggregate_id: string;
  occurred_at: string;
}

/**
 * One poison record of a kind chosen at random: every rejection reason of SPEC §3 except
 * `limit_exceeded`, which needs a session's history (see generate-stream.ts).
 */
export function poisonRecord(random: SeededRandom, base: EnvelopeBase): PoisonRecord {
  const kind = random.int(0, 6);
  switch (kind) {
    case 0:
      return {
        topic: 'cart-events',
        value: `{"event_id":"${base.event_id}","event_name":"cart.item_added",`,
        reason: 'invalid_json',
      };
    case 1:
      // Not UTF-8 at all: the dead-letter entry must carry it as base64.
      return {
        topic: 'payment-events',
        value: Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b]),
        reason: 'invalid_json',
      };
    case 2: {
      const { occurred_at: _dropped, ...withoutTime } = base;
      return {
        topic: 'cart-events',
        value: json({ ...withoutTime, event_name: 'cart.cleared', payload: {} }),
        reason: 'invalid_envelope',
      };
    }
    case 3:
      return {
        topic: 'cart-events',
        value: json({
          ...base,
          event_name: 'cart.item_added',
          payload: { sku: 'SKU-X', quantity: 0, unit_price_cents: 100 },
        }),
        reason: 'invalid_payload',
      };
    case 4:
      return {
        topic: 'cart-events',
        value: json({
          ...base,
          event_name: 'shipping.method_selected',
          payload: { method: 'courier', cost_cents: 100 },
        }),
        reason: 'topic_mismatch',
      };
    case 5:
      return {
        topic: 'shipping-events',
        value: json({
          ...base,
          event_name: 'shipping.method_selected',
          payload: { method: 'courier', cost_cents: 100, currency: 'EUR' },
        }),
        reason: 'currency_mismatch',
      };
    default:
      return {
        topic: 'cart-events',
        value: json({
          ...base,
          event_name: 'cart.item_added',
          payload: {
            sku: `SKU-HUGE-${base.event_id}`,
            quantity: 1_000_000,
            unit_price_cents: Number.MAX_SAFE_INTEGER,
          },
        }),
        reason: 'amount_overflow',
      };
  }
}

function json(value: unknown): string {
  return JSON.stringify(value);
}
