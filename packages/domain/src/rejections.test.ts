import { describe, expect, it } from 'vitest';
import { parseCheckoutEvent } from './parse.ts';
import { applyEvent } from './apply-event.ts';
import { initialCheckoutOrder, type CheckoutOrder } from './order.ts';
import { MAX_CART_LINES, MAX_PROMOTIONS, MAX_SECTION_TOTAL_CENTS } from './limits.ts';
import type { RejectionReason } from './rejection.ts';
import { aMessage, anEvent, SESSION } from './test/events.ts';
import { given } from './test/given.ts';

/** One test per rejection reason (SPEC §3), each naming the field in its message. */
describe('rejections', () => {
  function expectParseRejected(
    raw: unknown,
    reason: RejectionReason,
    field: string,
    topic?: string,
  ) {
    const result = parseCheckoutEvent(raw, topic);
    expect(result).toMatchObject({ ok: false, error: { reason } });
    if (!result.ok) expect(result.error.message).toContain(field);
  }

  it('invalid_json: the message value is not JSON', () => {
    expectParseRejected('{"event_id": "e1",', 'invalid_json', 'not valid JSON');
  });

  it('invalid_envelope: a required envelope field is missing', () => {
    const message = aMessage('cart.cleared', {});
    delete message['aggregate_id'];
    expectParseRejected(message, 'invalid_envelope', 'aggregate_id');
  });

  it('invalid_payload: a payload field breaks its rule', () => {
    const message = aMessage('cart.item_added', { sku: 'A', quantity: 0, unit_price_cents: 100 });
    expectParseRejected(message, 'invalid_payload', 'payload.quantity');
  });

  it('topic_mismatch: the event name prefix is not the topic section', () => {
    const message = aMessage('shipping.method_selected', { method: 'courier', cost_cents: 1 });
    expectParseRejected(message, 'topic_mismatch', 'cart-events', 'cart-events');
  });

  it('currency_mismatch: the payload currency is not the store currency', () => {
    const message = aMessage('cart.item_added', {
      sku: 'A',
      quantity: 1,
      unit_price_cents: 100,
      currency: 'EUR',
    });
    expectParseRejected(message, 'currency_mismatch', 'payload.currency');
  });

  it('limit_exceeded: a 1001st distinct cart line or a 101st promotion', () => {
    const lines = Array.from({ length: MAX_CART_LINES + 1 }, (_, i) =>
      anEvent('cart.item_added', { sku: `SKU-${i}`, quantity: 1, unit_price_cents: 1 }),
    );
    given(...lines).thenRejected('limit_exceeded', 'payload.sku');
    // The same sku again is not a new line.
    given(
      ...lines.slice(0, -1),
      anEvent('cart.item_added', { sku: 'SKU-0', quantity: 1, unit_price_cents: 1 }),
    ).then({
      meta: { event_count: MAX_CART_LINES + 1 },
    });
    const promotions = Array.from({ length: MAX_PROMOTIONS + 1 }, (_, i) =>
      anEvent('promotion.applied', { promotion_id: `P${i}`, discount_cents: 1 }),
    );
    given(...promotions).thenRejected('limit_exceeded', 'payload.promotion_id');
  });

  it('amount_overflow: a section total beyond its cap, and the order stays unchanged', () => {
    const order: CheckoutOrder = initialCheckoutOrder(SESSION);
    const huge = anEvent('cart.item_added', {
      sku: 'A',
      quantity: 4,
      unit_price_cents: Math.ceil(MAX_SECTION_TOTAL_CENTS / 3),
    });
    const outcome = applyEvent(order, huge, { topic: 'cart-events', partition: 0, offset: '0' });
    expect(outcome).toMatchObject({ status: 'rejected', rejection: { reason: 'amount_overflow' } });
    expect(order).toEqual(initialCheckoutOrder(SESSION));

    given(
      anEvent('shipping.method_selected', {
        method: 'freight',
        cost_cents: MAX_SECTION_TOTAL_CENTS + 1,
      }),
    ).thenRejected('amount_overflow', 'payload.cost_cents');
    given(
      anEvent('services.selected', {
        services: [
          { service_id: 'S1', price_cents: MAX_SECTION_TOTAL_CENTS },
          { service_id: 'S2', price_cents: 1 },
        ],
      }),
    ).thenRejected('amount_overflow', 'payload.services');
    given(
      anEvent('promotion.applied', { promotion_id: 'P1', discount_cents: Number.MAX_SAFE_INTEGER }),
      anEvent('promotion.applied', { promotion_id: 'P2', discount_cents: 1 }),
    ).thenRejected('amount_overflow', 'payload.discount_cents');
  });
});
