import type { CheckoutTopic } from '@checkout/domain';
import { seededRandom, type SeededRandom } from './seeded-random.ts';

/** A record as an attacker or a broken producer might send it: any bytes, anywhere. */
export interface HostileRecord {
  topic: CheckoutTopic;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: Record<string, Buffer | string>;
  /** Which hostile shape it has, for the report. */
  kind: HostileKind;
}

export const HOSTILE_KINDS = [
  'random_bytes',
  'deep_nesting',
  'huge_string',
  'extreme_numbers',
  'duplicate_keys',
  'prototype_keys',
  'control_characters',
  'emoji_and_rtl',
  'extreme_timestamps',
  'binary_key_and_headers',
  'tombstone',
  'unknown_event_name',
  'plain_event',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface HostileOptions {
  seed: number;
  records: number;
  /** Event times are this instant plus a few seconds per record: the caller's clock, not ours. */
  startTime: Date;
  /** Distinct sessions the records fall on. @default 200 */
  sessions?: number;
}

/** Nesting depth of the deep documents (V8's JSON.parse takes it; a recursive walker would not). */
export const HOSTILE_NESTING_DEPTH = 10_000;
/** Size of the huge strings: near the broker's 1 MiB limit once the envelope is around it. */
export const HOSTILE_STRING_BYTES = 900 * 1024;
/** At most this many huge strings per run: each costs a megabyte through every layer. */
const HUGE_STRINGS = 4;

/**
 * A seeded stream of hostile records (issue: "hostile input, fuzzed through the real path"):
 * random bytes, JSON nested 10 000 deep, ~1 MB strings, huge and negative numbers, duplicate
 * JSON keys, `__proto__`/`constructor` keys, NUL and control characters in ids, emoji and
 * right-to-left text, far-future and far-past timestamps, keys and headers that are not UTF-8,
 * tombstones, event names nobody knows (each a new one), and plain valid events between them so sessions have state to break. The same
 * seed gives the same records, so a failure can be replayed.
 */
export function* hostileRecords(options: HostileOptions): Generator<HostileRecord> {
  const random = seededRandom(options.seed);
  const sessions = options.sessions ?? 200;
  let huge = 0;
  for (let index = 0; index < options.records; index += 1) {
    const session = `h-${random.int(0, sessions - 1)}`;
    const context: RecordContext = {
      random,
      session,
      eventId: `hostile-${options.seed}-${index}`,
      occurredAt: new Date(options.startTime.getTime() + index * 1000).toISOString(),
    };
    let kind = random.pick(HOSTILE_KINDS);
    if (kind === 'huge_string' && (huge += 1) > HUGE_STRINGS) kind = 'plain_event';
    yield { ...build(kind, context), kind };
  }
}

interface RecordContext {
  random: SeededRandom;
  session: string;
  eventId: string;
  occurredAt: string;
}

type Shape = Omit<HostileRecord, 'kind'>;

function build(kind: HostileKind, context: RecordContext): Shape {
  const { random, session } = context;
  switch (kind) {
    case 'random_bytes':
      return {
        topic: random.pick(TOPICS),
        key: session,
        value: randomBytes(random, random.int(0, 512)),
        headers: {},
      };
    case 'deep_nesting': {
      const depth = HOSTILE_NESTING_DEPTH;
      const nested = random.chance(0.5)
        ? '['.repeat(depth) + ']'.repeat(depth)
        : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      // Half as the whole value, half hidden in an otherwise valid event's payload.
      return random.chance(0.5)
        ? { topic: 'cart-events', key: session, value: nested, headers: {} }
        : {
            topic: 'cart-events',
            key: session,
            value: envelopeText(context, 'cart.item_added', {
              sku: 'SKU-DEEP',
              quantity: 1,
              unit_price_cents: 100,
              extra: '__NESTED__',
            }).replace('"__NESTED__"', nested),
            headers: {},
          };
    }
    case 'huge_string':
      return plain(context, 'cart.item_added', {
        sku: 'SKU-HUGE',
        name: 'x'.repeat(HOSTILE_STRING_BYTES),
        quantity: 1,
        unit_price_cents: 100,
      });
    case 'extreme_numbers':
      return plain(context, 'cart.item_added', {
        sku: `SKU-${random.int(0, 3)}`,
        quantity: random.pick([1, -1, 0, 1e21, 2 ** 53 + 2, 0.5, 1_000_000]),
        unit_price_cents: random.pick([-5, 1e308, Number.MAX_SAFE_INTEGER, 2 ** 53, 7, 0]),
      });
    case 'duplicate_keys':
      return {
        topic: 'shipping-events',
        key: session,
        value:
          `{"event_id":"${context.eventId}","event_id":"${context.eventId}-second",` +
          `"event_name":"shipping.method_selected","aggregate_id":"${session}",` +
          `"occurred_at":"${context.occurredAt}","payload":{"method":"dhl","method":"ups",` +
          `"cost_cents":${random.int(0, 2000)}}}`,
        headers: {},
      };
    case 'prototype_keys':
      return {
        topic: 'promotion-events',
        key: session,
        value:
          `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},` +
          `"event_id":"${context.eventId}","event_name":"promotion.applied",` +
          `"aggregate_id":"${session}","occurred_at":"${context.occurredAt}",` +
          `"payload":{"__proto__":{"discount_cents":1},"promotion_id":"p-${random.int(0, 3)}",` +
          `"discount_cents":${random.int(0, 500)},"constructor":"x"}}`,
        // A literal `__proto__:` would set the prototype; this is a header of that name.
        headers: Object.fromEntries([['__proto__', 'header']]),
      };
    case 'control_characters': {
      const hostile = `s\u0000${random.pick(['\u0007', '\r\n', '\u001b[31m', '\u007f'])}x`;
      const id = random.chance(0.5) ? hostile : session;
      return {
        topic: 'payment-events',
        key: id,
        value: JSON.stringify({
          event_id: `${context.eventId}\u0000`,
          event_name: 'payment.method_selected',
          aggregate_id: id,
          occurred_at: context.occurredAt,
          payload: { method: `card\u0000\u0008` },
        }),
        headers: {},
      };
    }
    case 'emoji_and_rtl':
      return plain(context, 'cart.item_added', {
        sku: random.pick(['🛒', 'SKU-\u202eLIVE', 'مرحبا', '𝒮𝒦𝒰']),
        name: '\u202e🧨 ﷽ \u200f',
        quantity: 1,
        unit_price_cents: random.int(1, 10_000),
      });
    case 'extreme_timestamps':
      return plain(
        context,
        'shipping.delivery_date_selected',
        { delivery_date: random.pick(['9999-12-31', '0001-01-01', '2024-02-30']) },
        random.pick([
          '9999-12-31T23:59:59.999Z',
          '0001-01-01T00:00:00Z',
          '+275760-09-13T00:00:00Z',
          '1970-01-01T00:00:00+14:00',
          '2026-13-01T00:00:00Z',
        ]),
      );
    case 'binary_key_and_headers':
      return {
        ...plain(context, 'payment.method_selected', { method: 'blik' }),
        key: random.chance(0.5) ? Buffer.from([0xff, 0xfe, 0x00]) : Buffer.from(session),
        headers: { 'x-binary': randomBytes(random, 8), traceparent: '00-hostile' },
      };
    case 'tombstone':
      return { topic: random.pick(TOPICS), key: session, value: null, headers: {} };
    case 'unknown_event_name':
      // Every one a new name: ignored, and must not become a new metric label each.
      return plain(context, `cart.never_seen_${random.int(0, 1_000_000_000)}`, { sku: 'SKU-1' });
    case 'plain_event':
      return plain(context, 'cart.item_added', {
        sku: `SKU-${random.int(0, 5)}`,
        quantity: random.int(1, 3),
        unit_price_cents: random.int(1, 5_000),
      });
  }
}

const TOPICS: readonly CheckoutTopic[] = [
  'cart-events',
  'shipping-events',
  'promotion-events',
  'services-events',
  'payment-events',
];

function topicOf(eventName: string): CheckoutTopic {
  return `${eventName.slice(0, eventName.indexOf('.'))}-events` as CheckoutTopic;
}

function plain(
  context: RecordContext,
  eventName: string,
  payload: Record<string, unknown>,
  occurredAt = context.occurredAt,
): Shape {
  return {
    topic: topicOf(eventName),
    key: context.session,
    value: envelopeText(context, eventName, payload, occurredAt),
    headers: {},
  };
}

function envelopeText(
  context: RecordContext,
  eventName: string,
  payload: Record<string, unknown>,
  occurredAt = context.occurredAt,
): string {
  return JSON.stringify({
    event_id: context.eventId,
    event_name: eventName,
    aggregate_id: context.session,
    occurred_at: occurredAt,
    payload,
  });
}

function randomBytes(random: SeededRandom, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => random.int(0, 255)));
}
