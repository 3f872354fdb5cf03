import { MAX_PROMOTIONS, type CheckoutTopic, type RejectionReason } from '@checkout/domain';
import { poisonRecord } from './poison.ts';
import { seededRandom, type SeededRandom } from './seeded-random.ts';
import { sessionScript, type ScriptedEvent } from './session-script.ts';

/** What a consumer should do with a generated record; tests still verify against the pure fold. */
export type Expectation = 'apply' | 'duplicate' | 'ignore' | RejectionReason;

export interface GeneratedRecord {
  topic: CheckoutTopic;
  /** The checkout session id: the Kafka message key. */
  key: string;
  value: string | Buffer;
  expect: Expectation;
}

export interface StreamOptions {
  seed: number;
  /** Number of records to generate (sessions are started until this many are produced). */
  records: number;
  /** Sessions open at once; their events interleave. @default 50 */
  concurrentSessions?: number;
  /** Share of republished duplicates (same event_id again). @default 0.01 */
  duplicateRate?: number;
  /** Share of events whose name is not in the catalog. @default 0.005 */
  unknownRate?: number;
  /** Share of poison records. @default 0.005 */
  poisonRate?: number;
  /** Start a promotion-flood session (101 promotions: the last is `limit_exceeded`) with this probability per new session. @default 0 */
  limitSessionRate?: number;
  /** Session id prefix, so several streams can share topics. @default 's' */
  sessionPrefix?: string;
  /** Event time of the first record, ms since epoch. @default 2026-11-01T00:00:00Z */
  startTimeMs?: number;
}

interface OpenSession {
  id: string;
  script: ScriptedEvent[];
  next: number;
  emitted: Array<{ topic: CheckoutTopic; value: string }>;
}

/**
 * A deterministic stream of checkout records: sessions of 5–40 events over the five topics,
 * interleaved, with a small share of duplicates, unknown events and poison. Lazy, so a
 * million records never sit in memory at once.
 */
export function* generateStream(options: StreamOptions): Generator<GeneratedRecord> {
  const random = seededRandom(options.seed);
  const prefix = options.sessionPrefix ?? 's';
  const concurrency = options.concurrentSessions ?? 50;
  const rates = {
    duplicate: options.duplicateRate ?? 0.01,
    unknown: options.unknownRate ?? 0.005,
    poison: options.poisonRate ?? 0.005,
    limitSession: options.limitSessionRate ?? 0,
  };
  let clock = options.startTimeMs ?? Date.parse('2026-11-01T00:00:00.000Z');
  let sessionCount = 0;
  let eventCount = 0;
  const open: OpenSession[] = [];

  const newSession = (): OpenSession => {
    sessionCount += 1;
    const id = `${prefix}-${options.seed}-${sessionCount}`;
    const script = random.chance(rates.limitSession)
      ? promotionFlood()
      : sessionScript(random, random.int(5, 40));
    return { id, script, next: 0, emitted: [] };
  };
  const envelope = (session: OpenSession, eventName: string, payload: Record<string, unknown>) => {
    eventCount += 1;
    clock += random.int(1, 2000);
    return {
      event_id: `${session.id}-e${eventCount}`,
      event_name: eventName,
      aggregate_id: session.id,
      occurred_at: isoWithOffset(clock, random),
      correlation_id: `corr-${session.id}`,
      payload,
    };
  };

  for (let produced = 0; produced < options.records; produced += 1) {
    while (open.length < concurrency) open.push(newSession());
    const slot = random.int(0, open.length - 1);
    const session = open[slot] ?? newSession();
    yield nextRecord(random, session, rates, envelope);
    if (session.next >= session.script.length) open.splice(slot, 1);
  }
}

function nextRecord(
  random: SeededRandom,
  session: OpenSession,
  rates: { duplicate: number; unknown: number; poison: number },
  envelope: (
    session: OpenSession,
    name: string,
    payload: Record<string, unknown>,
  ) => Record<string, unknown>,
): GeneratedRecord {
  const roll = random.next();
  if (roll < rates.duplicate && session.emitted.length > 0) {
    const earlier = random.pick(session.emitted.slice(-20));
    return { topic: earlier.topic, key: session.id, value: earlier.value, expect: 'duplicate' };
  }
  if (roll < rates.duplicate + rates.unknown) {
    const value = JSON.stringify(envelope(session, 'cart.wishlist_viewed', { sku: 'SKU-MUG' }));
    return { topic: 'cart-events', key: session.id, value, expect: 'ignore' };
  }
  if (roll < rates.duplicate + rates.unknown + rates.poison) {
    const base = envelope(session, 'poison', {});
    const poison = poisonRecord(random, {
      event_id: String(base['event_id']),
      aggregate_id: session.id,
      occurred_at: String(base['occurred_at']),
    });
    return { topic: poison.topic, key: session.id, value: poison.value, expect: poison.reason };
  }
  const scripted = session.script[session.next];
  session.next += 1;
  if (scripted === undefined) throw new Error('bug: a finished session stayed open');
  const value = JSON.stringify(envelope(session, scripted.eventName, scripted.payload));
  session.emitted.push({ topic: scripted.topic, value });
  if (session.emitted.length > 40) session.emitted.shift();
  const expect: Expectation =
    scripted.eventName === 'promotion.applied' && scripted.payload['flood_last'] === true
      ? 'limit_exceeded'
      : 'apply';
  return { topic: scripted.topic, key: session.id, value, expect };
}

/** MAX_PROMOTIONS distinct promotions, then one more: the last must be `limit_exceeded`. */
function promotionFlood(): ScriptedEvent[] {
  const events: ScriptedEvent[] = [];
  for (let index = 0; index <= MAX_PROMOTIONS; index += 1) {
    events.push({
      topic: 'promotion-events',
      eventName: 'promotion.applied',
      payload: {
        promotion_id: `flood-${index}`,
        discount_cents: 1,
        ...(index === MAX_PROMOTIONS ? { flood_last: true } : {}),
      },
    });
  }
  return events;
}

/** RFC 3339 with a non-UTC offset now and then: the fold must normalise it. */
function isoWithOffset(ms: number, random: SeededRandom): string {
  const utc = new Date(ms).toISOString();
  if (!random.chance(0.2)) return utc;
  const local = new Date(ms + 60 * 60 * 1000).toISOString().slice(0, 23);
  return `${local}+01:00`;
}
