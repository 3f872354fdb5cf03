import { z } from 'zod';
import { DEFAULT_DOMAIN_CONFIG, type DomainConfig } from './config.ts';
import { decodeJson } from './decode-json.ts';
import { decodeEnvelope, withOwnPayload } from './decode-envelope.ts';
import { describeIssues } from './describe-issues.ts';
import type { EventEnvelope } from './envelope.ts';
import {
  CHECKOUT_EVENT_SCHEMA_VERSION,
  checkoutEventPayloadSchemas,
  type CheckoutEvent,
} from './event-catalog.ts';
import { err, ok, type Result } from './result.ts';
import { rejection, type Rejection } from './rejection.ts';
import { CHECKOUT_TOPICS, sectionOfTopic } from './topics.ts';

export type ParsedMessage =
  | { kind: 'event'; event: CheckoutEvent }
  /** A valid envelope whose event_name is not in the catalog: counted, offset advances. */
  | { kind: 'ignored'; envelope: EventEnvelope };

// Hot path: zod's ahead-of-time compiled parsers (same results; invalid input falls back to the
// regular parser, so error messages are identical). The exported schemas stay uncompiled. A Map,
// not the catalog object: event names arrive as fresh strings, which a Map hashes once while a
// property lookup first searches V8's string table for them.
const payloadParsers: ReadonlyMap<string, z.ZodType<Record<string, unknown>>> = new Map(
  Object.entries(checkoutEventPayloadSchemas).map(([name, schema]) => [name, z.compile(schema)]),
);

/**
 * Decodes and validates one message value (SPEC §2–§3). Checks run in this order, the first
 * failure wins: invalid_json → invalid_envelope → topic_mismatch (only when `topic` is given; the
 * event_name prefix before the first `.` must be the topic's section, unknown names included) →
 * unknown name: ignored → invalid_payload → currency_mismatch. Never throws.
 */
export function parseCheckoutEvent(
  raw: unknown,
  topic?: string,
  config?: Partial<DomainConfig>,
): Result<ParsedMessage, Rejection> {
  const json = decodeJson(raw);
  if (!json.ok) return json;

  const envelope = decodeEnvelope(json.value, isJsonText(raw));
  if (!envelope.ok) return envelope;
  const name = envelope.value.event_name;
  const payloadParser = payloadParsers.get(name);
  if (
    payloadParser !== undefined &&
    envelope.value.schema_version !== CHECKOUT_EVENT_SCHEMA_VERSION
  ) {
    return err(
      rejection(
        'invalid_envelope',
        `schema_version: ${envelope.value.schema_version} of '${name}' is not supported ` +
          `(this consumer knows version ${CHECKOUT_EVENT_SCHEMA_VERSION})`,
      ),
    );
  }
  if (topic !== undefined) {
    const mismatch = topicMismatch(name, topic);
    if (mismatch !== undefined) return err(mismatch);
  }
  if (payloadParser === undefined) {
    return ok({ kind: 'ignored', envelope: withOwnPayload(envelope.value) });
  }
  return parsePayload(
    envelope.value,
    payloadParser,
    config?.currency ?? DEFAULT_DOMAIN_CONFIG.currency,
  );
}

/** What `decodeJson` parses itself (the rest is taken as already-parsed JSON). */
function isJsonText(raw: unknown): boolean {
  return typeof raw === 'string' || raw instanceof Uint8Array;
}

/** `envelope` is this call's own: it becomes the event rather than being copied once more. */
function parsePayload(
  envelope: EventEnvelope,
  payloadParser: z.ZodType<Record<string, unknown>>,
  storeCurrency: string,
): Result<ParsedMessage, Rejection> {
  const payload = payloadParser.safeParse(envelope.payload);
  if (!payload.success) {
    return err(rejection('invalid_payload', describeIssues(payload.error, ['payload'], 'payload')));
  }
  const currency = payload.data['currency'];
  if (typeof currency === 'string' && currency !== storeCurrency) {
    return err(
      rejection(
        'currency_mismatch',
        `payload.currency: '${currency}' differs from the store currency '${storeCurrency}'`,
      ),
    );
  }
  envelope.payload = payload.data;
  // The catalog lookup pairs `event_name` with its own payload schema; TS cannot follow that.
  return ok({ kind: 'event', event: envelope as CheckoutEvent });
}

/**
 * Each topic's own event-name prefix, `cart.` for `cart-events`, ...: a name whose part before
 * the first `.` is the section starts with it (a section has no `.`); a name without a `.` never
 * does. Looked up per record in a Map, as the event names are (see `payloadParsers`).
 */
const eventPrefixOfTopic: ReadonlyMap<string, string> = new Map(
  CHECKOUT_TOPICS.map((topic) => [topic, `${sectionOfTopic(topic)}.`]),
);

function topicMismatch(eventName: string, topic: string): Rejection | undefined {
  const prefix = eventPrefixOfTopic.get(topic);
  if (prefix === undefined) {
    return rejection('topic_mismatch', `topic '${topic}' is not a checkout topic`);
  }
  return eventName.startsWith(prefix)
    ? undefined
    : rejection(
        'topic_mismatch',
        `event_name: '${eventName}' does not belong on topic '${topic}' (expected a '${prefix}' event)`,
      );
}
