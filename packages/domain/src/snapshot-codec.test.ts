import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, toSnapshot } from './snapshot-codec.ts';
import { foldEvents } from './fold-events.ts';
import { getTotals } from './totals.ts';
import { initialCheckoutOrder } from './order.ts';
import { anEvent, SESSION } from './test/events.ts';

const order = foldEvents(SESSION, [
  {
    event: anEvent('cart.item_added', {
      sku: 'MUG',
      name: 'Mug',
      quantity: 2,
      unit_price_cents: 1500,
    }),
    position: { topic: 'cart-events', partition: 1, offset: '17' },
  },
  {
    event: anEvent('shipping.address_provided', {
      address: { line1: 'Prosta 1', city: 'Warszawa', postal_code: '00-001', country: 'PL' },
    }),
  },
  {
    event: anEvent('promotion.code_applied', {
      promotion_id: 'P1',
      code: 'X',
      discount_cents: 100,
    }),
  },
  { event: anEvent('payment.initialized', { transaction_id: 'T1', amount_cents: 2900 }) },
]);

describe('snapshot', () => {
  it('holds the order, its status and totals, under schema_version 1', () => {
    const snapshot = toSnapshot(order);
    expect(snapshot).toMatchObject({
      ...order,
      schema_version: 1,
      status: 'payment_pending',
      totals: getTotals(order),
    });
    expect(Object.keys(snapshot)[0]).toBe('schema_version');
  });

  it('round-trips through encode and decode', () => {
    expect(decodeSnapshot(encodeSnapshot(order))).toEqual({ ok: true, value: order });
    const empty = initialCheckoutOrder('s-empty', { currency: 'EUR' });
    expect(decodeSnapshot(encodeSnapshot(empty))).toEqual({ ok: true, value: empty });
  });

  it('rejects text that is not JSON as corrupt', () => {
    const result = decodeSnapshot('{"schema_version":1,');
    expect(result).toMatchObject({ ok: false, error: { reason: 'corrupt' } });
    if (!result.ok) expect(result.error.message).toContain('not valid JSON');
  });

  it('rejects a document that breaks the schema as corrupt, naming the field', () => {
    const document = JSON.parse(encodeSnapshot(order)) as {
      cart: { lines: { quantity: unknown }[] };
    };
    const line = document.cart.lines[0];
    if (line === undefined) throw new Error('fixture has a line');
    line.quantity = -3;
    const result = decodeSnapshot(JSON.stringify(document));
    expect(result).toMatchObject({ ok: false, error: { reason: 'corrupt' } });
    if (!result.ok) expect(result.error.message).toContain('cart.lines[0].quantity');
    expect(decodeSnapshot('null')).toMatchObject({ ok: false, error: { reason: 'corrupt' } });
    expect(decodeSnapshot('{"schema_version":1}')).toMatchObject({
      ok: false,
      error: { reason: 'corrupt' },
    });
  });

  it('refuses a newer schema_version with a message saying what to do', () => {
    const newer = JSON.stringify({
      ...JSON.parse(encodeSnapshot(order)),
      schema_version: 2,
      cart: 'reshaped',
    });
    const result = decodeSnapshot(newer);
    expect(result).toEqual({
      ok: false,
      error: {
        reason: 'unsupported_version',
        message:
          'snapshot schema_version 2 is newer than the supported version 1: upgrade @checkout/domain to read it',
      },
    });
  });
});
