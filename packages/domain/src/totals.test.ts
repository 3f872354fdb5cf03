import { describe, expect, it } from 'vitest';
import { emptyTotals, getTotals } from './totals.ts';
import { orderStatus } from './order-status.ts';
import { initialCheckoutOrder } from './order.ts';
import { anEvent } from './test/events.ts';
import { given } from './test/given.ts';

describe('totals', () => {
  it('sums lines, shipping and selected services, minus the discounts', () => {
    given(
      anEvent('cart.item_added', { sku: 'MUG', quantity: 2, unit_price_cents: 1500 }),
      anEvent('cart.item_added', { sku: 'TEE', quantity: 1, unit_price_cents: 4000 }),
      anEvent('shipping.method_selected', { method: 'courier', cost_cents: 1999 }),
      anEvent('services.availability_calculated', {
        services: [{ service_id: 'S9', price_cents: 99_999 }],
      }),
      anEvent('services.selected', {
        services: [
          { service_id: 'S1', price_cents: 500 },
          { service_id: 'S2', price_cents: 250 },
        ],
      }),
      anEvent('promotion.applied', { promotion_id: 'P1', discount_cents: 1000 }),
      anEvent('promotion.code_applied', { promotion_id: 'P2', code: 'X', discount_cents: 500 }),
    ).thenTotals({
      currency: 'PLN',
      subtotal_cents: 7000,
      shipping_cents: 1999,
      services_cents: 750,
      discount_cents: 1500,
      grand_total_cents: 7000 + 1999 + 750 - 1500,
      item_count: 3,
      status: 'open',
    });
  });

  it('caps the discount at the subtotal: it never pays for shipping or services', () => {
    given(
      anEvent('cart.item_added', { sku: 'MUG', quantity: 1, unit_price_cents: 1000 }),
      anEvent('shipping.method_selected', { method: 'courier', cost_cents: 500 }),
      anEvent('promotion.applied', { promotion_id: 'P1', discount_cents: 5000 }),
    ).thenTotals({ subtotal_cents: 1000, discount_cents: 1000, grand_total_cents: 500 });
  });

  it('reads an unknown session as zeros and open', () => {
    expect(emptyTotals('nobody')).toEqual({
      session_id: 'nobody',
      currency: 'PLN',
      subtotal_cents: 0,
      shipping_cents: 0,
      services_cents: 0,
      discount_cents: 0,
      grand_total_cents: 0,
      item_count: 0,
      status: 'open',
    });
    expect(emptyTotals('nobody', { currency: 'EUR' }).currency).toBe('EUR');
    expect(getTotals(initialCheckoutOrder('nobody'))).toEqual(emptyTotals('nobody'));
  });
});

describe('orderStatus', () => {
  it('derives from the payment status', () => {
    const order = initialCheckoutOrder('s');
    expect(orderStatus(order)).toBe('open');
    expect(orderStatus({ ...order, payment: { ...order.payment, status: 'initialized' } })).toBe(
      'payment_pending',
    );
    expect(orderStatus({ ...order, payment: { ...order.payment, status: 'succeeded' } })).toBe(
      'paid',
    );
    expect(orderStatus({ ...order, payment: { ...order.payment, status: 'failed' } })).toBe(
      'payment_failed',
    );
    given(
      anEvent('payment.initialized', { transaction_id: 'T' }),
      anEvent('payment.succeeded', { transaction_id: 'T' }),
    ).thenTotals({ status: 'paid' });
  });
});
