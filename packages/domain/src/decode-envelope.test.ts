import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCheckoutEvent } from './parse.ts';
import { CHECKOUT_EVENT_NAMES } from './event-catalog.ts';
import { CHECKOUT_TOPICS } from './topics.ts';

/**
 * Why: JSON text this module parses itself skips the envelope schema's copy of the payload (see
 * decode-envelope.ts), while an already-parsed value goes through the schema as it is. Both must
 * give the same results, rejection messages included, valid and invalid input alike.
 */

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const junk = fc.oneof(fc.constant(null), fc.integer(), fc.double(), fc.string(), fc.boolean());
const text = (max: number) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(max + 1)) },
  );
const field = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 40, arbitrary: arb }, junk);
const money = fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER + 2));

const occurredAt = fc.oneof(
  { weight: 5, arbitrary: fc.constant('2025-01-31T10:00:00+01:00') },
  fc
    .integer({ min: Date.UTC(0, 0, 1), max: Date.UTC(9999, 11, 31) })
    .map((ms) => new Date(ms).toISOString()),
  fc.constantFrom(
    '2025-01-31T10:00:00+01:00',
    '2025-01-31T10:00:00.5-03:30',
    '0000-01-01T00:30:00+01:00',
    '9999-12-31T23:30:00-01:00',
    '2025-02-30T10:00:00Z',
    '2025-01-31T10:00:00',
    'yesterday',
  ),
);

const service = fc.record(
  { service_id: field(text(200)), name: maybe(field(text(200))), price_cents: field(money) },
  { requiredKeys: [] },
);

/** The union of every catalog payload's fields, each maybe present, maybe wrong. */
const payload = fc.record(
  {
    session_id: maybe(field(text(200))),
    cart_id: maybe(field(text(200))),
    sku: field(fc.constantFrom('A', 'B')),
    name: maybe(field(text(200))),
    quantity: field(fc.integer({ min: -1, max: 1_000_001 })),
    unit_price_cents: field(money),
    currency: maybe(field(fc.constantFrom('PLN', 'EUR', 'pln'))),
    method: field(text(100)),
    cost_cents: field(money),
    address: field(
      fc.record(
        {
          name: maybe(field(text(200))),
          line1: field(text(200)),
          city: field(text(200)),
          postal_code: field(text(200)),
          country: field(fc.constantFrom('PL', 'pl', 'POL')),
        },
        { requiredKeys: [] },
      ),
    ),
    delivery_date: field(fc.constantFrom('2024-02-29', '2025-02-29', '2025-1-1')),
    slot: maybe(field(text(200))),
    promotion_id: field(text(200)),
    code: field(text(64)),
    discount_cents: field(money),
    services: field(fc.array(service, { maxLength: 3 })),
    transaction_id: maybe(field(text(200))),
    amount_cents: maybe(field(money)),
    reason: maybe(field(text(200))),
    extra: maybe(fc.jsonValue()),
  },
  { requiredKeys: [] },
);

const message = fc.record(
  {
    event_id: field(text(200)),
    event_name: field(fc.constantFrom(...CHECKOUT_EVENT_NAMES, 'cart.wishlist_viewed', 'poison')),
    aggregate_id: field(text(200)),
    occurred_at: field(occurredAt),
    correlation_id: maybe(field(text(200))),
    causation_id: maybe(field(text(200))),
    schema_version: maybe(fc.constantFrom(1, 1, 1, 1, 1, 1, 2, 0, 1.5, '1')),
    payload: fc.oneof({ weight: 30, arbitrary: payload }, junk, fc.constant([])),
    producer: maybe(fc.jsonValue()),
  },
  { requiredKeys: ['event_id', 'event_name', 'aggregate_id', 'occurred_at', 'payload'] },
);

/** A payload key JSON.parse keeps as an own property, which the schema's copy leaves out. */
function withProtoKey(json: string): string {
  return json.replace('"payload":{', '"payload":{"__proto__":{"sku":"Z"},');
}

/** Mostly the topic the event belongs on, so that most messages get past the topic check. */
function ownTopic(eventName: unknown): string {
  return `${String(eventName).split('.')[0]}-events`;
}

describe('parseCheckoutEvent: JSON text and already-parsed JSON agree', () => {
  it('gives the same result, valid or not, for every topic', () => {
    fc.assert(
      fc.property(
        message,
        fc.constantFrom(undefined, 'own', 'own', 'own', 'own', ...CHECKOUT_TOPICS, 'other-events'),
        fc.boolean(),
        (value, topicChoice, protoKey) => {
          const topic = topicChoice === 'own' ? ownTopic(value.event_name) : topicChoice;
          const json = protoKey ? withProtoKey(JSON.stringify(value)) : JSON.stringify(value);
          const fromText = parseCheckoutEvent(json, topic);
          const fromBytes = parseCheckoutEvent(Buffer.from(json, 'utf8'), topic);
          const fromValue = parseCheckoutEvent(JSON.parse(json), topic);
          expect(fromText).toStrictEqual(fromValue);
          expect(JSON.stringify(fromText)).toBe(JSON.stringify(fromValue));
          expect(fromBytes).toStrictEqual(fromValue);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

/**
 * Why: JSON text is checked with zod's `validate` (no output) and the envelope is built from the
 * JSON itself; only on failure does the parse run, for its messages. Each case here is one the
 * hand-built envelope or the topic lookup could get wrong.
 */
describe('parseCheckoutEvent: JSON text, checked without a copy', () => {
  const base = {
    event_id: 'e-1',
    event_name: 'cart.cleared',
    aggregate_id: 's-1',
    occurred_at: '2025-01-31T10:00:00+01:00',
    payload: {},
  };

  function both(value: unknown, topic?: string, currency?: string) {
    const config = currency === undefined ? undefined : { currency };
    const fromText = parseCheckoutEvent(Buffer.from(JSON.stringify(value), 'utf8'), topic, config);
    expect(fromText).toStrictEqual(parseCheckoutEvent(structuredClone(value), topic, config));
    return fromText;
  }

  it('applies the schema_version default to an absent field only', () => {
    expect(both(base)).toMatchObject({ ok: true, value: { event: { schema_version: 1 } } });
    expect(both({ ...base, schema_version: null })).toMatchObject({
      ok: false,
      error: { reason: 'invalid_envelope', message: expect.stringContaining('schema_version') },
    });
  });

  it('drops null ids and normalises occurred_at like the parse', () => {
    const result = both({ ...base, correlation_id: null, causation_id: 'c-0' });
    expect(result).toStrictEqual({
      ok: true,
      value: {
        kind: 'event',
        event: {
          event_id: 'e-1',
          event_name: 'cart.cleared',
          aggregate_id: 's-1',
          occurred_at: '2025-01-31T09:00:00.000Z',
          schema_version: 1,
          payload: {},
          causation_id: 'c-0',
        },
      },
    });
  });

  it('rejects a payload that is no object, or missing, as invalid_envelope', () => {
    for (const payload of [[], null, 'x', 1, undefined]) {
      const result = both({ ...base, payload });
      expect(result).toMatchObject({ ok: false, error: { reason: 'invalid_envelope' } });
    }
  });

  it('rejects an event_name that is no text, and a date out of range after the offset', () => {
    expect(both({ ...base, event_name: 7 })).toMatchObject({
      ok: false,
      error: { reason: 'invalid_envelope', message: expect.stringContaining('event_name') },
    });
    expect(both({ ...base, occurred_at: '9999-12-31T23:30:00-01:00' })).toMatchObject({
      ok: false,
      error: { reason: 'invalid_envelope', message: expect.stringContaining('0000–9999') },
    });
  });

  it('takes no property of Object.prototype for a checkout topic', () => {
    for (const topic of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(both(base, topic)).toStrictEqual({
        ok: false,
        error: { reason: 'topic_mismatch', message: `topic '${topic}' is not a checkout topic` },
      });
    }
  });

  it("matches a topic's section only up to the first dot", () => {
    for (const event_name of ['cart', 'carts.cleared', 'cartcleared', 'shipping.cart.cleared']) {
      expect(both({ ...base, event_name }, 'cart-events')).toStrictEqual({
        ok: false,
        error: {
          reason: 'topic_mismatch',
          message: `event_name: '${event_name}' does not belong on topic 'cart-events' (expected a 'cart.' event)`,
        },
      });
    }
    expect(both({ ...base, event_name: 'cart.x.y' }, 'cart-events')).toMatchObject({
      ok: true,
      value: { kind: 'ignored' },
    });
  });

  it('checks the currency against the configured one, the default without a config', () => {
    const item = { ...base, event_name: 'cart.item_added' };
    const payload = { sku: 'A', quantity: 1, unit_price_cents: 100, currency: 'EUR' };
    expect(both({ ...item, payload })).toStrictEqual({
      ok: false,
      error: {
        reason: 'currency_mismatch',
        message: "payload.currency: 'EUR' differs from the store currency 'PLN'",
      },
    });
    expect(both({ ...item, payload }, 'cart-events', 'EUR')).toMatchObject({ ok: true });
  });
});
