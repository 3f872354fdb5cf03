import fc from 'fast-check';
import type { CheckoutEvent, CheckoutEventName, CheckoutEventPayloads } from '../event-catalog.ts';
import type { RecordPosition } from '../record-position.ts';
import { CHECKOUT_TOPICS, type CheckoutTopic } from '../topics.ts';
import { MAX_SECTION_TOTAL_CENTS, RECENT_EVENT_IDS_LIMIT } from '../limits.ts';

/**
 * Per-topic event streams for the property tests. Small id domains (4 skus, 3 promotions) make
 * upserts, removals and no-ops frequent; `extremes` mixes in amounts near the caps so that
 * overflow rejections happen too.
 */

export interface TopicRecord {
  event: CheckoutEvent;
  position: RecordPosition;
}
export type TopicStreams = Record<CheckoutTopic, TopicRecord[]>;

type Draft = {
  [N in CheckoutEventName]: { name: N; payload: CheckoutEventPayloads[N] };
}[CheckoutEventName];

const MAX_EVENTS_PER_TOPIC = 12;
const MAX_REPUBLISHED_PER_TOPIC = 2;
// Every id must stay inside the duplicate window in any interleaving (see recent-event-ids.ts).
if (
  CHECKOUT_TOPICS.length * (MAX_EVENTS_PER_TOPIC + MAX_REPUBLISHED_PER_TOPIC) >=
  RECENT_EVENT_IDS_LIMIT
) {
  throw new Error('generated streams must fit in the recent event id window');
}

const draft = <N extends CheckoutEventName>(
  name: N,
  payload: fc.Arbitrary<CheckoutEventPayloads[N]>,
) => payload.map((p): Draft => ({ name, payload: p }) as Draft);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

function amount(extremes: boolean): fc.Arbitrary<number> {
  const small = fc.integer({ min: 0, max: 10_000 });
  if (!extremes) return small;
  // Fractions of the cap add up to it and past it within a few events; beyond it fails at once.
  const cap = MAX_SECTION_TOTAL_CENTS;
  const near = fc.constantFrom(
    Math.floor(cap / 4),
    Math.floor(cap / 2),
    cap - 1,
    cap,
    cap + 1,
    Number.MAX_SAFE_INTEGER,
  );
  return fc.oneof({ weight: 3, arbitrary: small }, { weight: 1, arbitrary: near });
}

function drafts(topic: CheckoutTopic, extremes: boolean): fc.Arbitrary<Draft> {
  const sku = fc.constantFrom('A', 'B', 'C', 'D');
  const promotionId = fc.constantFrom('P1', 'P2', 'P3');
  const name = maybe(fc.constantFrom('Mug', 'Tee', 'Gift'));
  const services = fc.uniqueArray(
    fc.record({
      service_id: fc.constantFrom('S1', 'S2', 'S3', 'S4'),
      price_cents: amount(extremes),
    }),
    { selector: (s) => s.service_id, maxLength: 4 },
  );
  switch (topic) {
    case 'cart-events':
      return fc.oneof(
        {
          weight: 5,
          arbitrary: draft(
            'cart.item_added',
            fc.record(
              {
                sku,
                name,
                quantity: fc.integer({ min: 1, max: 5 }),
                unit_price_cents: amount(extremes),
              },
              { requiredKeys: ['sku', 'quantity', 'unit_price_cents'] },
            ),
          ),
        },
        { weight: 2, arbitrary: draft('cart.item_removed', fc.record({ sku })) },
        {
          weight: 2,
          arbitrary: draft(
            'cart.item_quantity_changed',
            fc.record({ sku, quantity: fc.integer({ min: 0, max: 5 }) }),
          ),
        },
        { weight: 1, arbitrary: draft('cart.cleared', fc.constant({})) },
      );
    case 'shipping-events':
      return fc.oneof(
        draft(
          'shipping.method_selected',
          fc.record({ method: fc.constantFrom('courier', 'locker'), cost_cents: amount(extremes) }),
        ),
        draft(
          'shipping.address_provided',
          fc.record({
            address: fc.record({
              line1: fc.constantFrom('Prosta 1', 'Krzywa 2'),
              city: fc.constant('Warszawa'),
              postal_code: fc.constant('00-001'),
              country: fc.constantFrom('PL', 'DE'),
            }),
          }),
        ),
        draft(
          'shipping.delivery_date_selected',
          fc.record(
            {
              delivery_date: fc.constantFrom('2025-03-01', '2024-02-29'),
              slot: maybe(fc.constantFrom('8-12', '12-16')),
            },
            { requiredKeys: ['delivery_date'] },
          ),
        ),
      );
    case 'promotion-events':
      return fc.oneof(
        draft(
          'promotion.applied',
          fc.record(
            { promotion_id: promotionId, name, discount_cents: amount(extremes) },
            { requiredKeys: ['promotion_id', 'discount_cents'] },
          ),
        ),
        draft(
          'promotion.code_applied',
          fc.record({
            promotion_id: promotionId,
            code: fc.constantFrom('SPRING', 'VIP'),
            discount_cents: amount(extremes),
          }),
        ),
        draft('promotion.removed', fc.record({ promotion_id: promotionId })),
      );
    case 'services-events':
      return fc.oneof(
        draft('services.availability_calculated', fc.record({ services })),
        draft('services.selected', fc.record({ services })),
      );
    case 'payment-events':
      return fc.oneof(
        draft('payment.method_selected', fc.record({ method: fc.constantFrom('blik', 'card') })),
        draft(
          'payment.initialized',
          fc.record(
            { transaction_id: fc.constantFrom('T1', 'T2'), amount_cents: maybe(amount(extremes)) },
            { requiredKeys: ['transaction_id'] },
          ),
        ),
        draft('payment.succeeded', fc.record({ transaction_id: fc.constantFrom('T1', 'T2') })),
        draft(
          'payment.failed',
          fc.record(
            {
              transaction_id: maybe(fc.constantFrom('T1', 'T2')),
              reason: maybe(fc.constant('declined')),
            },
            { requiredKeys: [] },
          ),
        ),
      );
  }
}

const occurredAt = fc
  .integer({ min: 0, max: 10_000_000 })
  .map((seconds) => new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString());

/**
 * One topic's stream, in offset order on one partition. Some events are republished later in the
 * same stream (same event_id and payload, a new offset), as a producer retry would.
 */
function topicStream(topic: CheckoutTopic, extremes: boolean): fc.Arbitrary<TopicRecord[]> {
  return fc
    .record({
      partition: fc.integer({ min: 0, max: 3 }),
      firstOffset: fc.constantFrom(0, 1000, 9_007_199_254_740_990),
      events: fc.array(fc.tuple(drafts(topic, extremes), occurredAt), {
        maxLength: MAX_EVENTS_PER_TOPIC,
      }),
      republish: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: MAX_REPUBLISHED_PER_TOPIC }),
    })
    .map(({ partition, firstOffset, events, republish }) => {
      const built = events.map(([d, at], i) => eventOf(d, `${topic}-${i}`, at));
      for (const [from, to] of republish) {
        if (built.length === 0) break;
        const source = from % built.length;
        const original = built[source];
        if (original !== undefined)
          built.splice(source + 1 + (to % (built.length - source)), 0, original);
      }
      return built.map((event, i) => ({
        event,
        position: { topic, partition, offset: (BigInt(firstOffset) + BigInt(i)).toString() },
      }));
    });
}

function eventOf(d: Draft, eventId: string, at: string): CheckoutEvent {
  return {
    event_id: eventId,
    aggregate_id: 's',
    occurred_at: at,
    schema_version: 1,
    event_name: d.name,
    payload: d.payload,
  } as CheckoutEvent;
}

export function topicStreams({ extremes }: { extremes: boolean }): fc.Arbitrary<TopicStreams> {
  return fc.record({
    'cart-events': topicStream('cart-events', extremes),
    'shipping-events': topicStream('shipping-events', extremes),
    'promotion-events': topicStream('promotion-events', extremes),
    'services-events': topicStream('services-events', extremes),
    'payment-events': topicStream('payment-events', extremes),
  });
}

/** A schedule for `interleave`: which non-empty topic goes next, step by step. */
export const schedule = fc.array(fc.nat(), { minLength: 1, maxLength: 100 });

/** Merges the streams, keeping each topic's own order; the schedule picks the next topic. */
export function interleave(streams: TopicStreams, choices: readonly number[]): TopicRecord[] {
  const cursors = CHECKOUT_TOPICS.map((topic) => ({ records: streams[topic], next: 0 }));
  const merged: TopicRecord[] = [];
  for (let step = 0; ; step += 1) {
    const open = cursors.filter((c) => c.next < c.records.length);
    if (open.length === 0) return merged;
    const cursor = open[(choices[step % choices.length] ?? 0) % open.length];
    const record = cursor?.records[cursor.next];
    if (cursor === undefined || record === undefined) return merged;
    merged.push(record);
    cursor.next += 1;
  }
}

/** The streams one topic after another: the simplest interleaving. */
export function concatenated(streams: TopicStreams): TopicRecord[] {
  return CHECKOUT_TOPICS.flatMap((topic) => streams[topic]);
}
