import { z } from 'zod';
import { resolveDomainConfig, type DomainConfig } from './config.ts';
import { decodeJson } from './decode-json.ts';
import { describeIssues } from './describe-issues.ts';
import { eventEnvelopeSchema, type EventEnvelope } from './envelope.ts';
import {
  CHECKOUT_EVENT_SCHEMA_VERSION,
  checkoutEventPayloadSchemas,
  isCheckoutEventName,
  type CheckoutEvent,
  type CheckoutEventName,
} from './event-catalog.ts';
import { err, ok, type Result } from './result.ts';
import { rejection, type Rejection } from './rejection.ts';
import { isCheckoutTopic, sectionOfTopic } from './topics.ts';

export type ParsedMessage =
  | { kind: 'event'; event: CheckoutEvent }
  /** A valid envelope whose event_name is not in the catalog: counted, offset advances. */
  | { kind: 'ignored'; envelope: EventEnvelope };

type ValidEnvelope = z.output<typeof eventEnvelopeSchema>;

// Hot path: zod's ahead-of-time compiled parsers (same results; invalid input falls back to the
// regular parser, so error messages are identical). The exported schemas stay uncompiled.
const envelopeParser = z.compile(eventEnvelopeSchema);
const payloadParsers = compileEach(checkoutEventPayloadSchemas);

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

  const parsed = envelopeParser.safeParse(json.value);
  if (!parsed.success) {
    return err(rejection('invalid_envelope', describeIssues(parsed.error, [], 'message value')));
  }
  const envelope = normaliseEnvelope(parsed.data);
  if (!envelope.ok) return envelope;
  const name = envelope.value.event_name;
  const known = isCheckoutEventName(name);
  if (known && envelope.value.schema_version !== CHECKOUT_EVENT_SCHEMA_VERSION) {
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
  if (!known) return ok({ kind: 'ignored', envelope: envelope.value });

  return parsePayload(envelope.value, name, resolveDomainConfig(config));
}

function parsePayload(
  envelope: EventEnvelope,
  name: CheckoutEventName,
  config: DomainConfig,
): Result<ParsedMessage, Rejection> {
  const payload = payloadParsers[name].safeParse(envelope.payload);
  if (!payload.success) {
    return err(rejection('invalid_payload', describeIssues(payload.error, ['payload'], 'payload')));
  }
  const currency: unknown = 'currency' in payload.data ? payload.data.currency : undefined;
  if (typeof currency === 'string' && currency !== config.currency) {
    return err(
      rejection(
        'currency_mismatch',
        `payload.currency: '${currency}' differs from the store currency '${config.currency}'`,
      ),
    );
  }
  // The catalog lookup pairs `name` with its own payload schema; TS cannot follow that correlation.
  const event = { ...envelope, event_name: name, payload: payload.data } as CheckoutEvent;
  return ok({ kind: 'event', event });
}

/** Drops nulls and normalises `occurred_at` to UTC ISO with milliseconds. */
function normaliseEnvelope(data: ValidEnvelope): Result<EventEnvelope, Rejection> {
  const occurredAt = isCanonicalUtc(data.occurred_at)
    ? data.occurred_at
    : new Date(data.occurred_at).toISOString();
  // Offsets can carry year 0000 or 9999 across the year boundary, out of the 4-digit ISO form.
  if (occurredAt.length !== 24) {
    return err(
      rejection(
        'invalid_envelope',
        `occurred_at: '${data.occurred_at}' is outside years 0000–9999 in UTC`,
      ),
    );
  }
  const envelope: EventEnvelope = {
    event_id: data.event_id,
    event_name: data.event_name,
    aggregate_id: data.aggregate_id,
    occurred_at: occurredAt,
    schema_version: data.schema_version,
    payload: data.payload,
  };
  if (typeof data.correlation_id === 'string') envelope.correlation_id = data.correlation_id;
  if (typeof data.causation_id === 'string') envelope.causation_id = data.causation_id;
  return ok(envelope);
}

function topicMismatch(eventName: string, topic: string): Rejection | undefined {
  if (!isCheckoutTopic(topic)) {
    return rejection('topic_mismatch', `topic '${topic}' is not a checkout topic`);
  }
  const section = sectionOfTopic(topic);
  const dot = eventName.indexOf('.');
  const prefix = dot === -1 ? eventName : eventName.slice(0, dot);
  return prefix === section
    ? undefined
    : rejection(
        'topic_mismatch',
        `event_name: '${eventName}' does not belong on topic '${topic}' (expected a '${section}.' event)`,
      );
}

/**
 * Already `YYYY-MM-DDTHH:MM:SS.mmmZ`? The schema validated the RFC 3339 form, so the length, the
 * `.` and the `Z` are enough to tell; it saves a Date round trip for most producers.
 */
function isCanonicalUtc(timestamp: string): boolean {
  return timestamp.length === 24 && timestamp[19] === '.' && timestamp[23] === 'Z';
}

function compileEach<S extends Record<string, z.ZodType>>(schemas: S): S {
  const compiled: Record<string, z.ZodType> = {};
  for (const [name, schema] of Object.entries(schemas)) compiled[name] = z.compile(schema);
  return compiled as S;
}
