import { describe, expect, it } from 'vitest';
import { parseCheckoutEvent, type ParsedMessage } from './parse.ts';
import { sessionIdOf } from './session-id.ts';
import { MAX_TEXT_LENGTH } from './limits.ts';
import type { Rejection } from './rejection.ts';
import type { Result } from './result.ts';
import { aMessage } from './test/events.ts';

const itemAdded = { sku: 'MUG', quantity: 1, unit_price_cents: 1500 };

function parsedEvent(result: Result<ParsedMessage, Rejection>) {
  if (!result.ok) throw new Error(`rejected: ${result.error.reason}: ${result.error.message}`);
  if (result.value.kind !== 'event') throw new Error('ignored');
  return result.value.event;
}

function rejectionOf(result: Result<ParsedMessage, Rejection>): Rejection {
  if (result.ok) throw new Error(`expected a rejection, got ${result.value.kind}`);
  return result.error;
}

describe('parseCheckoutEvent: inputs', () => {
  const message = aMessage('cart.item_added', itemAdded);
  const text = JSON.stringify(message);

  it('accepts a string, a Buffer and an already-parsed object alike', () => {
    const fromText = parsedEvent(parseCheckoutEvent(text, 'cart-events'));
    expect(parsedEvent(parseCheckoutEvent(Buffer.from(text, 'utf8'), 'cart-events'))).toEqual(
      fromText,
    );
    expect(parsedEvent(parseCheckoutEvent(new TextEncoder().encode(text)))).toEqual(fromText);
    expect(parsedEvent(parseCheckoutEvent(structuredClone(message)))).toEqual(fromText);
    expect(fromText).toMatchObject({
      event_name: 'cart.item_added',
      payload: itemAdded,
      schema_version: 1,
    });
  });

  it('rejects a Buffer that is not UTF-8 as invalid_json', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"event_id":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    expect(rejectionOf(parseCheckoutEvent(bytes))).toEqual({
      reason: 'invalid_json',
      message: 'message value is not valid UTF-8',
    });
  });

  it('rejects text that is not JSON, and JSON that is not an object', () => {
    expect(rejectionOf(parseCheckoutEvent('not json')).reason).toBe('invalid_json');
    expect(rejectionOf(parseCheckoutEvent('')).reason).toBe('invalid_json');
    expect(rejectionOf(parseCheckoutEvent('[1,2]')).reason).toBe('invalid_envelope');
    expect(rejectionOf(parseCheckoutEvent(null)).reason).toBe('invalid_envelope');
  });

  it('never throws, whatever the input', () => {
    for (const raw of [
      undefined,
      42,
      true,
      [],
      {},
      Symbol('x'),
      () => 1,
      new Uint8Array(0),
      { payload: 1 },
    ]) {
      expect(() => parseCheckoutEvent(raw, 'cart-events')).not.toThrow();
    }
  });
});

describe('parseCheckoutEvent: envelope', () => {
  it('normalises occurred_at to UTC with milliseconds', () => {
    const event = parsedEvent(
      parseCheckoutEvent(
        aMessage('cart.cleared', {}, { occurred_at: '2025-01-01T00:30:00.123456+02:00' }),
      ),
    );
    expect(event.occurred_at).toBe('2024-12-31T22:30:00.123Z');
  });

  it('rejects an occurred_at without offset, or on a day that does not exist', () => {
    for (const occurred_at of [
      '2025-01-01T10:00:00',
      '2025-02-30T10:00:00Z',
      '2025-01-01',
      'yesterday',
    ]) {
      const rejection = rejectionOf(
        parseCheckoutEvent(aMessage('cart.cleared', {}, { occurred_at })),
      );
      expect(rejection.reason).toBe('invalid_envelope');
      expect(rejection.message).toContain('occurred_at');
    }
  });

  it('rejects ids that are empty or longer than 200 characters', () => {
    for (const event_id of ['', 'x'.repeat(MAX_TEXT_LENGTH + 1)]) {
      const rejection = rejectionOf(parseCheckoutEvent(aMessage('cart.cleared', {}, { event_id })));
      expect(rejection).toMatchObject({ reason: 'invalid_envelope' });
      expect(rejection.message).toContain('event_id');
    }
  });

  it('defaults schema_version to 1 and rejects another version of a catalog event', () => {
    expect(parsedEvent(parseCheckoutEvent(aMessage('cart.cleared', {}))).schema_version).toBe(1);
    const rejection = rejectionOf(
      parseCheckoutEvent(aMessage('cart.cleared', {}, { schema_version: 2 })),
    );
    expect(rejection.reason).toBe('invalid_envelope');
    expect(rejection.message).toContain('schema_version: 2');
    expect(
      rejectionOf(parseCheckoutEvent(aMessage('cart.cleared', {}, { schema_version: 0 }))).reason,
    ).toBe('invalid_envelope');
  });

  it('keeps correlation and causation ids, and drops nulls', () => {
    const event = parsedEvent(
      parseCheckoutEvent(
        aMessage('cart.cleared', {}, { correlation_id: 'c-1', causation_id: null }),
      ),
    );
    expect(event.correlation_id).toBe('c-1');
    expect('causation_id' in event).toBe(false);
  });

  it('strips unknown fields in envelope and payload instead of rejecting', () => {
    const event = parsedEvent(
      parseCheckoutEvent(
        aMessage('cart.item_added', { ...itemAdded, colour: 'blue' }, { producer: 'cart-svc' }),
      ),
    );
    expect(event).not.toHaveProperty('producer');
    expect(event.payload).toEqual(itemAdded);
  });
});

describe('parseCheckoutEvent: topic and catalog', () => {
  it('ignores a name outside the catalog, with its normalised envelope', () => {
    const result = parseCheckoutEvent(
      aMessage('cart.wishlist_shared', { anything: 1 }),
      'cart-events',
    );
    expect(result).toMatchObject({
      ok: true,
      value: {
        kind: 'ignored',
        envelope: { event_name: 'cart.wishlist_shared', occurred_at: '2025-01-31T09:00:00.000Z' },
      },
    });
    // An unknown event of a later schema version is still just ignored.
    const later = parseCheckoutEvent(aMessage('cart.wishlist_shared', {}, { schema_version: 3 }));
    expect(later).toMatchObject({ ok: true, value: { kind: 'ignored' } });
  });

  it('checks the topic for unknown names too', () => {
    const rejection = rejectionOf(
      parseCheckoutEvent(aMessage('inventory.reserved', {}), 'cart-events'),
    );
    expect(rejection.reason).toBe('topic_mismatch');
    expect(parseCheckoutEvent(aMessage('inventory.reserved', {}))).toMatchObject({
      ok: true,
      value: { kind: 'ignored' },
    });
  });

  it('rejects a topic that is not a checkout topic', () => {
    const rejection = rejectionOf(parseCheckoutEvent(aMessage('cart.cleared', {}), 'orders'));
    expect(rejection).toMatchObject({ reason: 'topic_mismatch' });
    expect(rejection.message).toContain("'orders'");
  });

  it('reports topic_mismatch before a payload error', () => {
    const message = aMessage('payment.succeeded', {});
    expect(rejectionOf(parseCheckoutEvent(message, 'cart-events')).reason).toBe('topic_mismatch');
    expect(rejectionOf(parseCheckoutEvent(message, 'payment-events')).reason).toBe(
      'invalid_payload',
    );
  });
});

describe('parseCheckoutEvent: payload rules', () => {
  function payloadRejection(name: string, payload: Record<string, unknown>) {
    return rejectionOf(parseCheckoutEvent(aMessage(name, payload)));
  }

  it('rejects non-integer, negative and unsafe money', () => {
    for (const unit_price_cents of [1.5, -1, 2 ** 53, '100', null]) {
      const rejection = payloadRejection('cart.item_added', { ...itemAdded, unit_price_cents });
      expect(rejection.reason).toBe('invalid_payload');
      expect(rejection.message).toContain('payload.unit_price_cents');
    }
  });

  it('rejects a currency that is not 3 upper-case letters, accepts the store one', () => {
    for (const currency of ['pln', 'PL', 'PLNN', 1]) {
      expect(payloadRejection('cart.item_added', { ...itemAdded, currency }).message).toContain(
        'payload.currency',
      );
    }
    expect(
      parsedEvent(
        parseCheckoutEvent(aMessage('cart.item_added', { ...itemAdded, currency: 'PLN' })),
      ).payload,
    ).toMatchObject({ currency: 'PLN' });
    expect(
      parsedEvent(
        parseCheckoutEvent(
          aMessage('cart.item_added', { ...itemAdded, currency: 'EUR' }),
          undefined,
          { currency: 'EUR' },
        ),
      ),
    ).toBeDefined();
  });

  it('rejects delivery dates that do not exist or are not YYYY-MM-DD', () => {
    for (const delivery_date of [
      '2025-02-30',
      '2025-02-29',
      '2025-13-01',
      '2025-1-5',
      '2025-01-01T00:00:00Z',
    ]) {
      expect(
        payloadRejection('shipping.delivery_date_selected', { delivery_date }).message,
      ).toContain('payload.delivery_date');
    }
    expect(
      parsedEvent(
        parseCheckoutEvent(
          aMessage('shipping.delivery_date_selected', { delivery_date: '2024-02-29' }),
        ),
      ),
    ).toBeDefined();
  });

  it('rejects a session id or cart_id over 200 characters', () => {
    const long = 'x'.repeat(MAX_TEXT_LENGTH + 1);
    expect(payloadRejection('cart.cleared', { cart_id: long }).message).toContain(
      'payload.cart_id',
    );
    expect(
      payloadRejection('payment.method_selected', { method: 'blik', session_id: long }).message,
    ).toContain('payload.session_id');
  });

  it('rejects duplicate service ids, naming the duplicate', () => {
    const services = [
      { service_id: 'S1', price_cents: 1 },
      { service_id: 'S1', price_cents: 2 },
    ];
    const rejection = payloadRejection('services.selected', { services });
    expect(rejection.reason).toBe('invalid_payload');
    expect(rejection.message).toContain('payload.services[1].service_id');
  });

  it('rejects quantities outside their ranges and a bad country code', () => {
    expect(payloadRejection('cart.item_added', { ...itemAdded, quantity: 1_000_001 }).reason).toBe(
      'invalid_payload',
    );
    expect(payloadRejection('cart.item_quantity_changed', { sku: 'A', quantity: -1 }).reason).toBe(
      'invalid_payload',
    );
    const address = { line1: 'Prosta 1', city: 'Warszawa', postal_code: '00-001', country: 'pl' };
    expect(payloadRejection('shipping.address_provided', { address }).message).toContain(
      'payload.address.country',
    );
  });

  it('reads null optional payload fields as not given', () => {
    const event = parsedEvent(
      parseCheckoutEvent(aMessage('cart.item_added', { ...itemAdded, name: null, currency: null })),
    );
    expect(event.payload).toMatchObject({ name: null });
  });
});

describe('sessionIdOf', () => {
  function eventOf(name: string, payload: Record<string, unknown>) {
    return parsedEvent(parseCheckoutEvent(aMessage(name, payload, { aggregate_id: 'agg-1' })));
  }

  it('uses cart_id for cart events and session_id for the others, else aggregate_id', () => {
    expect(sessionIdOf(eventOf('cart.cleared', { cart_id: 'cart-9', session_id: 'ignored' }))).toBe(
      'cart-9',
    );
    expect(sessionIdOf(eventOf('cart.cleared', { cart_id: '' }))).toBe('agg-1');
    expect(sessionIdOf(eventOf('cart.cleared', {}))).toBe('agg-1');
    expect(
      sessionIdOf(eventOf('payment.method_selected', { method: 'blik', session_id: 's-7' })),
    ).toBe('s-7');
    expect(
      sessionIdOf(eventOf('payment.method_selected', { method: 'blik', cart_id: 'c-1' })),
    ).toBe('agg-1');
  });

  it('applies the same rule to an ignored envelope', () => {
    const result = parseCheckoutEvent(aMessage('cart.saved_for_later', { cart_id: 'cart-3' }));
    if (!result.ok || result.value.kind !== 'ignored') throw new Error('expected ignored');
    expect(sessionIdOf(result.value.envelope)).toBe('cart-3');
  });
});
