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
