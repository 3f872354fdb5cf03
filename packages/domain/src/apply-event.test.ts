import { describe, expect, it } from 'vitest';
import { FOLD_VERSION } from './fold-version.ts';
import { applyEvent } from './apply-event.ts';
import { foldEvents } from './fold-events.ts';
import { comparableView } from './comparable-view.ts';
import { compareOffsets, type RecordPosition } from './record-position.ts';
import { initialCheckoutOrder, type CheckoutOrder } from './order.ts';
import type { CheckoutEvent } from './event-catalog.ts';
import { anEvent, SESSION } from './test/events.ts';
import { deepFreeze } from './test/deep-freeze.ts';

const at = (offset: string, partition = 0): RecordPosition => ({
  topic: 'cart-events',
  partition,
  offset,
});

function applied(
  order: CheckoutOrder,
  event: CheckoutEvent,
  position?: RecordPosition,
): CheckoutOrder {
  const outcome = applyEvent(order, event, position);
  if (outcome.status !== 'applied')
    throw new Error(`expected applied, got ${JSON.stringify(outcome)}`);
  return outcome.order;
}

describe('applyEvent', () => {
  const start = deepFreeze(initialCheckoutOrder(SESSION));
  const added = deepFreeze(
    anEvent('cart.item_added', { sku: 'A', quantity: 1, unit_price_cents: 100 }),
  );

  it('applies an event and records its offset under "<topic>:<partition>"', () => {
    const order = applied(start, added, at('41', 2));
    expect(order.meta.offsets).toEqual({ 'cart-events:2': '41' });
    expect(order.meta.event_count).toBe(1);
  });

  it('skips a position at or below the applied offset, leaving the order as it was', () => {
    const order = deepFreeze(applied(start, added, at('41')));
    const again = anEvent('cart.item_added', { sku: 'B', quantity: 1, unit_price_cents: 1 });
    expect(applyEvent(order, again, at('41'))).toEqual({
      status: 'skipped',
      reason: 'offset_already_applied',
    });
    expect(applyEvent(order, again, at('7'))).toEqual({
      status: 'skipped',
      reason: 'offset_already_applied',
    });
    expect(applyEvent(order, again, at('42')).status).toBe('applied');
    // Another partition of the same topic has its own offset.
    expect(applyEvent(order, again, at('3', 1)).status).toBe('applied');
  });

  it('compares offsets as integers, beyond Number precision', () => {
    const order = deepFreeze(applied(start, added, at('9007199254740993')));
    const next = anEvent('cart.cleared', {});
    expect(applyEvent(order, next, at('9007199254740992')).status).toBe('skipped');
    expect(applyEvent(order, next, at('10')).status).toBe('skipped');
    expect(applyEvent(order, next, at('9007199254740994')).status).toBe('applied');
  });

  it('skips a republished event id among the recent ids, even at a new offset', () => {
    const order = deepFreeze(applied(start, added, at('1')));
    expect(applyEvent(order, added, at('2'))).toEqual({
      status: 'skipped',
      reason: 'duplicate_event_id',
    });
    expect(applyEvent(order, added)).toEqual({ status: 'skipped', reason: 'duplicate_event_id' });
  });

  it('applies without a position and records no offset', () => {
    expect(applied(start, added).meta.offsets).toEqual({});
  });

  it('records no offset for a rejected event', () => {
    const overflow = anEvent('shipping.method_selected', {
      method: 'x',
      cost_cents: Number.MAX_SAFE_INTEGER,
    });
    const outcome = applyEvent(start, overflow, {
      topic: 'shipping-events',
      partition: 0,
      offset: '5',
    });
    expect(outcome).toMatchObject({ status: 'rejected', rejection: { reason: 'amount_overflow' } });
  });
});

describe('compareOffsets', () => {
  it('orders canonical and non-canonical decimals as integers', () => {
    expect(compareOffsets('9', '10')).toBeLessThan(0);
    expect(compareOffsets('10', '10')).toBe(0);
    expect(compareOffsets('100', '99')).toBeGreaterThan(0);
    expect(compareOffsets('007', '8')).toBeLessThan(0);
  });

  it('throws on a non-integer offset: a caller bug, not event data', () => {
    expect(() => compareOffsets('abc', '1')).toThrow(SyntaxError);
  });
});

describe('foldEvents', () => {
  it('folds records through applyEvent, ignoring skipped and rejected ones', () => {
    const a = anEvent('cart.item_added', { sku: 'A', quantity: 2, unit_price_cents: 100 });
    const overflow = anEvent('cart.item_added', {
      sku: 'B',
      quantity: 1,
      unit_price_cents: Number.MAX_SAFE_INTEGER,
    });
    const order = foldEvents(SESSION, [
      { event: a, position: at('0') },
      { event: a, position: at('0') },
      { event: a, position: at('1') },
      { event: overflow, position: at('2') },
    ]);
    expect(order.cart.lines).toEqual([
      { sku: 'A', name: null, quantity: 2, unit_price_cents: 100 },
    ]);
    expect(order.meta).toEqual({
      event_count: 1,
      offsets: { 'cart-events:0': '0' },
      recent_event_ids: [a.event_id],
      fold_version: FOLD_VERSION,
    });
  });

  it('uses the configured currency', () => {
    expect(foldEvents(SESSION, [], { currency: 'EUR' }).currency).toBe('EUR');
    expect(foldEvents(SESSION, []).currency).toBe('PLN');
  });
});

describe('comparableView', () => {
  it('is the order without meta.recent_event_ids and meta.fold_version', () => {
    const order = foldEvents(SESSION, [{ event: anEvent('cart.cleared', {}), position: at('3') }]);
    const { recent_event_ids, fold_version, ...meta } = order.meta;
    expect(recent_event_ids).toHaveLength(1);
    expect(fold_version).toBe(FOLD_VERSION);
    expect(comparableView(order)).toEqual({ ...order, meta });
  });
});
