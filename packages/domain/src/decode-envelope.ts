import { z } from 'zod';
import { describeIssues } from './describe-issues.ts';
import { DEFAULT_SCHEMA_VERSION, eventEnvelopeSchema, type EventEnvelope } from './envelope.ts';
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
 * Input the envelope schema accepts, before its default (`schema_version`) applies: what a
 * successful `validate` of raw JSON guarantees.
 */
type ValidEnvelopeInput = z.input<typeof eventEnvelopeSchema>;

/**
 * `fromJsonText`: `json` comes straight from `JSON.parse`. The payload of such an envelope is not
 * copied: call `withOwnPayload` before handing it out as it is.
 */
export function decodeEnvelope(
  json: unknown,
  fromJsonText: boolean,
): Result<EventEnvelope, Rejection> {
  // zod's compiled check without its output: the envelope is built below from the JSON itself
  // (only strings and numbers are read from it, so a copy of each field would read the same), and
  // the payload is not copied at all. Invalid input takes the parse below, for its messages.
  if (fromJsonText && envelopeParser.validate(json)) {
    return normaliseEnvelope(json as ValidEnvelopeInput);
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

function normaliseEnvelope(data: ValidEnvelopeInput): Result<EventEnvelope, Rejection> {
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
    // The schema's default, as its parse applies it (to an absent field only: null is invalid).
    schema_version: data.schema_version ?? DEFAULT_SCHEMA_VERSION,
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
