import { applyEvent } from '../apply-event.ts';
import { initialCheckoutOrder, type CheckoutOrder } from '../order.ts';
import { parseCheckoutEvent } from '../parse.ts';
import { sessionIdOf } from '../session-id.ts';
import { toSnapshot } from '../snapshot-codec.ts';
import type { CheckoutSnapshot } from '../snapshot-schema.ts';
import { CHECKOUT_TOPICS, type CheckoutTopic } from '../topics.ts';

/**
 * A fixed corpus for the fold-version guard (fold-version.test.ts): raw message values on
 * their topics, built by a tiny seeded generator of its own (not fast-check, whose sampling
 * may change between versions; not @checkout/generator, which may change with the demo), so
 * the corpus changes only when this file does. It covers every catalog event, the rejections
 * a payload can earn, unknown names, republished ids and redelivered offsets, on a few
 * sessions so that effects pile up (upserts, removals, caps).
 */
export interface CorpusRecord {
  topic: CheckoutTopic;
  partition: number;
  offset: string;
  value: string;
}

const SESSIONS = 12;
const RECORDS = 4000;
const SKUS = ['A', 'B', 'C', 'D', 'E'];
const PROMOTIONS = ['P1', 'P2', 'P3'];

/**
 * mulberry32, a copy of @checkout/generator's seeded-random.ts on purpose: the domain cannot
 * depend on the generator (the generator depends on it), and the corpus must not change when
 * the generator does.
 */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

type Random = ReturnType<typeof seeded>;

const amount = (random: Random) =>
  random.next() < 0.02 ? Number.MAX_SAFE_INTEGER : random.int(50_000);

const payloads: Record<CheckoutTopic, ((random: Random) => [string, Record<string, unknown>])[]> = {
  'cart-events': [
    (r) => [
      'cart.item_added',
      {
        sku: r.pick(SKUS),
        quantity: 1 + r.int(5),
        unit_price_cents: amount(r),
        ...(r.next() < 0.5 ? { name: r.pick(['Mug', 'Tee']) } : {}),
      },
    ],
    (r) => ['cart.item_removed', { sku: r.pick(SKUS) }],
    (r) => ['cart.item_quantity_changed', { sku: r.pick(SKUS), quantity: r.int(4) }],
    () => ['cart.cleared', {}],
  ],
  'shipping-events': [
    (r) => [
      'shipping.method_selected',
      {
        method: r.pick(['dhl', 'inpost']),
        cost_cents: amount(r),
        ...(r.next() < 0.05 ? { currency: 'EUR' } : {}),
      },
    ],
    (r) => [
      'shipping.address_provided',
      {
        address: {
          line1: `Street ${r.int(9)}`,
          city: 'Kraków',
          postal_code: '30-001',
          country: r.pick(['PL', 'pl']),
        },
      },
    ],
    (r) => [
      'shipping.delivery_date_selected',
      {
        delivery_date: r.pick(['2031-02-28', '2031-02-30', '2032-02-29']),
        ...(r.next() < 0.5 ? { slot: 'am' } : {}),
      },
    ],
  ],
  'promotion-events': [
    (r) => [
      'promotion.applied',
      {
        promotion_id: r.pick(PROMOTIONS),
        discount_cents: amount(r),
        ...(r.next() < 0.5 ? { name: 'Spring' } : {}),
      },
    ],
    (r) => [
      'promotion.code_applied',
      { code: r.pick(['SPRING', '']), promotion_id: r.pick(PROMOTIONS), discount_cents: amount(r) },
    ],
    (r) => ['promotion.removed', { promotion_id: r.pick(PROMOTIONS) }],
  ],
  'services-events': [
    (r) => [
      'services.availability_calculated',
      {
        services: [
          { service_id: 'gift', price_cents: amount(r) },
          { service_id: r.pick(['wrap', 'gift']), price_cents: 10 },
        ],
      },
    ],
    (r) => [
      'services.selected',
      {
        services:
          r.next() < 0.3 ? [] : [{ service_id: 'gift', name: 'Gift', price_cents: amount(r) }],
      },
    ],
  ],
  'payment-events': [
    (r) => ['payment.method_selected', { method: r.pick(['card', 'blik']) }],
    (r) => [
      'payment.initialized',
      { transaction_id: `t-${r.int(3)}`, ...(r.next() < 0.5 ? { amount_cents: amount(r) } : {}) },
    ],
    (r) => ['payment.succeeded', { transaction_id: `t-${r.int(3)}` }],
    (r) => [
      'payment.failed',
      { ...(r.next() < 0.5 ? { transaction_id: 't-1' } : {}), reason: 'declined' },
    ],
  ],
};

export function foldCorpus(seed = 20_260_101): CorpusRecord[] {
  const random = seeded(seed);
  const offsets = new Map<string, number>();
  const records: CorpusRecord[] = [];
  const base = Date.UTC(2031, 0, 1);
  for (let i = 0; i < RECORDS; i += 1) {
    const topic = random.pick(CHECKOUT_TOPICS);
    const session = `s-${random.int(SESSIONS)}`;
    const partition = Number(session.slice(2)) % 3;
    const key = `${topic}:${partition}`;
    const previous = records.at(-1 - random.int(Math.min(records.length, 20)));
    const roll = random.next();
    if (previous !== undefined && roll < 0.03) {
      records.push({ ...previous }); // redelivered: same topic, partition and offset
      continue;
    }
    const offset = offsets.get(key) ?? 0;
    offsets.set(key, offset + 1);
    const [name, payload] = random.pick(payloads[topic])(random);
    const eventName = roll < 0.05 ? `${name.split('.')[0]}.unheard_of` : name;
    const envelope = {
      event_id: roll < 0.08 && previous !== undefined ? eventIdOf(previous) : `e-${i}`,
      event_name: eventName,
      aggregate_id: session,
      occurred_at: new Date(base + random.int(86_400) * 1000).toISOString(),
      payload:
        topic === 'cart-events'
          ? { ...payload, cart_id: session }
          : { ...payload, session_id: session },
    };
    const value =
      roll < 0.1 && roll >= 0.09 ? JSON.stringify(envelope).slice(0, 40) : JSON.stringify(envelope);
    records.push({ topic, partition, offset: String(offset), value });
  }
  return records;
}

function eventIdOf(record: CorpusRecord): string {
  try {
    return String((JSON.parse(record.value) as { event_id?: unknown }).event_id ?? 'x');
  } catch {
    return 'x';
  }
}

/** What the fold makes of the corpus: each record's outcome, then every session's snapshot. */
export function foldOutcome(records: readonly CorpusRecord[]): {
  outcomes: string[];
  snapshots: CheckoutSnapshot[];
} {
  const orders = new Map<string, CheckoutOrder>();
  const outcomes = records.map(({ topic, partition, offset, value }) => {
    const parsed = parseCheckoutEvent(value, topic);
    if (!parsed.ok) return `rejected ${parsed.error.reason}: ${parsed.error.message}`;
    if (parsed.value.kind === 'ignored') return 'ignored';
    const event = parsed.value.event;
    const sessionId = sessionIdOf(event);
    const order = orders.get(sessionId) ?? initialCheckoutOrder(sessionId);
    const outcome = applyEvent(order, event, { topic, partition, offset });
    if (outcome.status === 'applied') orders.set(sessionId, outcome.order);
    if (outcome.status === 'rejected')
      return `rejected ${outcome.rejection.reason}: ${outcome.rejection.message}`;
    return outcome.status === 'skipped' ? `skipped ${outcome.reason}` : 'applied';
  });
  const snapshots = [...orders.keys()].sort().map((id) => toSnapshot(orders.get(id)!));
  return { outcomes, snapshots };
}
