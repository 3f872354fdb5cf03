import { z } from 'zod';
import { describeIssues } from './describe-issues.ts';
import { eventEnvelopeSchema, type EventEnvelope } from './envelope.ts';
import { err, ok, type Result } from './result.ts';
import { rejection, type Rejection } from './rejection.ts';
import { toUtcTimestamp } from './utc-timestamp.ts';

/**
 * The envelope of a decoded message value, validated and normalised (nulls dropped, `occurred_at`
 * in UTC with milliseconds). Validation is zod's, compiled ahead of time (invalid input falls back
 * to the regular parser, so error messages are identical); the exported schema stays uncompiled.
 */
const envelopeParser = z.compile(eventEnvelopeSchema);
const payloadCopier = z.compile(eventEnvelopeSchema.shape.payload);

/**
 * The same envelope with its payload left as it is: the schema's payload check copies every field
 * (it keeps unknown ones), and a catalog event's payload parser then copies the fields it knows
 * again. Only for JSON this module parsed itself: a plain object with data properties only, which
 * reads the same before and after the copy.
 */
const envelopeParserKeepingPayload = z.compile(
  eventEnvelopeSchema.extend({ payload: z.unknown() }),
);

type ValidEnvelope = z.output<typeof eventEnvelopeSchema>;

/**
 * `fromJsonText`: `json` comes straight from `JSON.parse`. The payload of such an envelope is not
 * copied: call `withOwnPayload` before handing it out as it is.
 */
export function decodeEnvelope(
  json: unknown,
  fromJsonText: boolean,
): Result<EventEnvelope, Rejection> {
  if (fromJsonText) {
    const parsed = envelopeParserKeepingPayload.safeParse(json);
    if (parsed.success && isObject(parsed.data.payload)) {
      return normaliseEnvelope(parsed.data as ValidEnvelope);
    }
  }
  const parsed = envelopeParser.safeParse(json);
  if (!parsed.success) {
    return err(rejection('invalid_envelope', describeIssues(parsed.error, [], 'message value')));
  }
  return normaliseEnvelope(parsed.data);
}

/** The envelope with the payload copy the schema makes (unknown fields kept). */
export function withOwnPayload(envelope: EventEnvelope): EventEnvelope {
  return { ...envelope, payload: payloadCopier.parse(envelope.payload) };
}

/** What the envelope schema accepts as `payload` (zod's object check). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normaliseEnvelope(data: ValidEnvelope): Result<EventEnvelope, Rejection> {
  const occurredAt = isCanonicalUtc(data.occurred_at)
    ? data.occurred_at
    : toUtcTimestamp(data.occurred_at);
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

/**
 * Already `YYYY-MM-DDTHH:MM:SS.mmmZ`? The schema validated the RFC 3339 form, so the length, the
 * `.` and the `Z` are enough to tell; it saves a Date round trip for most producers.
 */
function isCanonicalUtc(timestamp: string): boolean {
  return timestamp.length === 24 && timestamp[19] === '.' && timestamp[23] === 'Z';
}
