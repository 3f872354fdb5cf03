import { describe, expect, it } from 'vitest';
import { evolve } from './evolve.ts';
import { initialCheckoutOrder, withHistoryIncomplete } from './order.ts';
import { RECENT_EVENT_IDS_LIMIT } from './limits.ts';
import { anEvent, SESSION } from './test/events.ts';
import { given } from './test/given.ts';

const mug = { sku: 'MUG', name: 'Mug', quantity: 2, unit_price_cents: 1500 };
const address = { line1: 'Prosta 1', city: 'Warszawa', postal_code: '00-001', country: 'PL' };

describe('evolve: cart', () => {
  it('cart.item_added appends a line, then adds to it (price and name from the latest event)', () => {
    given(
      anEvent('cart.item_added', mug),
      anEvent('cart.item_added', { sku: 'TEE', quantity: 1, unit_price_cents: 4000 }),
      anEvent('cart.item_added', { sku: 'MUG', quantity: 3, unit_price_cents: 1400 }),
    ).then({
      cart: {
        lines: [
          { sku: 'MUG', name: 'Mug', quantity: 5, unit_price_cents: 1400 },
          { sku: 'TEE', name: null, quantity: 1, unit_price_cents: 4000 },
        ],
      },
    });
  });

  it('cart.item_removed removes the line and is a no-op for an unknown sku', () => {
    given(
      anEvent('cart.item_added', mug),
      anEvent('cart.item_removed', { sku: 'NOPE' }),
      anEvent('cart.item_removed', { sku: 'MUG' }),
    ).then({ cart: { lines: [] }, meta: { event_count: 3 } });
  });

  it('cart.item_quantity_changed sets the quantity, 0 removes, unknown sku is a no-op', () => {
    given(
      anEvent('cart.item_added', mug),
      anEvent('cart.item_added', { sku: 'TEE', quantity: 1, unit_price_cents: 4000 }),
      anEvent('cart.item_quantity_changed', { sku: 'MUG', quantity: 7 }),
      anEvent('cart.item_quantity_changed', { sku: 'TEE', quantity: 0 }),
      anEvent('cart.item_quantity_changed', { sku: 'NOPE', quantity: 4 }),
    ).then({ cart: { lines: [{ sku: 'MUG', quantity: 7, unit_price_cents: 1500 }] } });
  });

  it('cart.cleared removes every line', () => {
    given(anEvent('cart.item_added', mug), anEvent('cart.cleared', {})).then({
      cart: { lines: [] },
    });
  });
});

describe('evolve: shipping', () => {
  it('shipping.method_selected sets method and cost', () => {
    given(
      anEvent('shipping.method_selected', { method: 'courier', cost_cents: 1999 }),
      anEvent('shipping.method_selected', { method: 'parcel_locker', cost_cents: 999 }),
    ).then({ shipping: { method: 'parcel_locker', cost_cents: 999 } });
  });

  it('shipping.address_provided replaces the address, unset optional fields read null', () => {
    given(
      anEvent('shipping.address_provided', { address: { ...address, name: 'Jan', line2: 'm. 4' } }),
      anEvent('shipping.address_provided', { address }),
    ).then({ shipping: { address: { ...address, name: null, line2: null } } });
  });

  it('shipping.delivery_date_selected replaces date and slot', () => {
    given(
      anEvent('shipping.delivery_date_selected', { delivery_date: '2025-03-01', slot: '8-12' }),
      anEvent('shipping.delivery_date_selected', { delivery_date: '2025-03-02' }),
    ).then({ shipping: { delivery_date: '2025-03-02', delivery_slot: null } });
  });
});

describe('evolve: promotion', () => {
  it('promotion.applied upserts by id and keeps a code it already has', () => {
    given(
      anEvent('promotion.code_applied', {
        code: 'SPRING',
        promotion_id: 'P1',
        discount_cents: 500,
      }),
      anEvent('promotion.applied', { promotion_id: 'P1', name: 'Spring', discount_cents: 700 }),
      anEvent('promotion.applied', { promotion_id: 'P2', discount_cents: 100 }),
    ).then({
      promotion: {
        applied: [
          { promotion_id: 'P1', name: 'Spring', code: 'SPRING', discount_cents: 700 },
          { promotion_id: 'P2', name: null, code: null, discount_cents: 100 },
        ],
      },
    });
  });

  it('promotion.code_applied upserts by id with that code, keeping the name', () => {
    given(
      anEvent('promotion.applied', { promotion_id: 'P1', name: 'Spring', discount_cents: 500 }),
      anEvent('promotion.code_applied', {
        code: 'SPRING10',
        promotion_id: 'P1',
        discount_cents: 1000,
      }),
    ).then({
      promotion: {
        applied: [{ promotion_id: 'P1', name: 'Spring', code: 'SPRING10', discount_cents: 1000 }],
      },
    });
  });

  it('promotion.removed removes it with its code, no-op if absent', () => {
    given(
      anEvent('promotion.code_applied', { code: 'X', promotion_id: 'P1', discount_cents: 500 }),
      anEvent('promotion.removed', { promotion_id: 'P9' }),
      anEvent('promotion.removed', { promotion_id: 'P1' }),
    ).then({ promotion: { applied: [] }, meta: { event_count: 3 } });
  });
});

describe('evolve: services', () => {
  it('services.availability_calculated replaces the available list', () => {
    given(
      anEvent('services.availability_calculated', {
        services: [{ service_id: 'S1', name: 'Assembly', price_cents: 5000 }],
      }),
      anEvent('services.availability_calculated', {
        services: [{ service_id: 'S2', price_cents: 0 }],
      }),
    ).then({
      services: { available: [{ service_id: 'S2', name: null, price_cents: 0 }], selected: [] },
    });
  });

  it('services.selected replaces the selected list, an empty list clears it', () => {
    const selected = given(
      anEvent('services.selected', { services: [{ service_id: 'S1', price_cents: 5000 }] }),
    ).then({ services: { selected: [{ service_id: 'S1', name: null, price_cents: 5000 }] } });
    expect(selected.services.available).toEqual([]);
    given(
      anEvent('services.selected', { services: [{ service_id: 'S1', price_cents: 5000 }] }),
      anEvent('services.selected', { services: [] }),
    ).then({ services: { selected: [] } });
  });
});

describe('evolve: payment', () => {
  it('payment.method_selected sets the method', () => {
    given(anEvent('payment.method_selected', { method: 'blik' })).then({
      payment: { method: 'blik', status: null },
    });
  });

  it('payment.initialized sets status, transaction id and amount, clearing a failure', () => {
    given(
      anEvent('payment.failed', { transaction_id: 'T0', reason: 'card_declined' }),
      anEvent('payment.initialized', { transaction_id: 'T1', amount_cents: 12_345 }),
    ).then({
      payment: {
        status: 'initialized',
        transaction_id: 'T1',
        amount_cents: 12_345,
        failure_reason: null,
      },
    });
  });

  it('payment.succeeded sets status and transaction id', () => {
    given(
      anEvent('payment.initialized', { transaction_id: 'T1', amount_cents: 100 }),
      anEvent('payment.succeeded', { transaction_id: 'T1' }),
    ).then({ payment: { status: 'succeeded', transaction_id: 'T1', amount_cents: 100 } });
  });

  it('payment.failed sets status and reason, keeping the transaction id when it names none', () => {
    given(
      anEvent('payment.initialized', { transaction_id: 'T1' }),
      anEvent('payment.failed', { reason: 'insufficient_funds' }),
    ).then({
      payment: {
        status: 'failed',
        transaction_id: 'T1',
        amount_cents: null,
        failure_reason: 'insufficient_funds',
      },
    });
  });
});

describe('evolve: bookkeeping', () => {
  it('created_at is the earliest and updated_at the latest occurred_at, whatever the order', () => {
    given(
      anEvent('cart.cleared', {}, { occurred_at: '2025-01-02T00:00:00.000Z' }),
      anEvent(
        'payment.method_selected',
        { method: 'blik' },
        { occurred_at: '2025-01-01T00:00:00.000Z' },
      ),
      anEvent('cart.cleared', {}, { occurred_at: '2025-01-03T00:00:00.000Z' }),
      anEvent('cart.cleared', {}, { occurred_at: '2025-01-02T12:00:00.000Z' }),
    ).then({ created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-03T00:00:00.000Z' });
  });

  it('counts applied events and keeps the last 100 ids, newest last', () => {
    const events = Array.from({ length: RECENT_EVENT_IDS_LIMIT + 5 }, (_, i) =>
      anEvent('cart.cleared', {}, { event_id: `id-${i}` }),
    );
    const order = given(...events).then({ meta: { event_count: RECENT_EVENT_IDS_LIMIT + 5 } });
    expect(order.meta.recent_event_ids).toHaveLength(RECENT_EVENT_IDS_LIMIT);
    expect(order.meta.recent_event_ids[0]).toBe('id-5');
    expect(order.meta.recent_event_ids.at(-1)).toBe(`id-${RECENT_EVENT_IDS_LIMIT + 4}`);
  });

  it('shares the sections an event does not touch', () => {
    const before = initialCheckoutOrder(SESSION);
    const result = evolve(before, anEvent('cart.item_added', mug));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.cart).not.toBe(before.cart);
    expect(result.value.shipping).toBe(before.shipping);
    expect(result.value.promotion).toBe(before.promotion);
    expect(result.value.services).toBe(before.services);
    expect(result.value.payment).toBe(before.payment);
    expect(result.value.meta.offsets).toBe(before.meta.offsets);
  });
});

describe('evolve: meta.history_incomplete', () => {
  it('is absent on a full fold and kept by every later event once set', () => {
    const full = evolve(initialCheckoutOrder(SESSION), anEvent('cart.item_added', mug));
    expect(full.ok && 'history_incomplete' in full.value.meta).toBe(false);

    const marked = withHistoryIncomplete(initialCheckoutOrder(SESSION));
    const first = evolve(marked, anEvent('cart.item_added', mug));
    if (!first.ok) throw new Error(first.error.message);
    const second = evolve(first.value, anEvent('payment.method_selected', { method: 'card' }));
    if (!second.ok) throw new Error(second.error.message);
    expect(second.value.meta).toMatchObject({ event_count: 2, history_incomplete: true });
    expect(marked.meta.event_count).toBe(0); // inputs are never mutated
  });
});
