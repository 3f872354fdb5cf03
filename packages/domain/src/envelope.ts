import { z } from 'zod';
import { MAX_TEXT_LENGTH } from './limits.ts';
import { textSchema } from './fields.ts';

/** `schema_version` of a message that leaves it out. */
export const DEFAULT_SCHEMA_VERSION = 1;

/**
 * Wire contract (SPEC §2). Topic: one of CHECKOUT_TOPICS, its name prefix owning the events
 * (`cart.` on `cart-events`, ...). Key: the session id, UTF-8. Value: UTF-8 JSON
 *
 *   { "event_id": "…", "event_name": "cart.item_added", "aggregate_id": "…",
 *     "occurred_at": "2025-01-31T10:00:00+01:00", "correlation_id"?: "…", "causation_id"?: "…",
 *     "schema_version"?: 1, "payload": { … } }
 *
 * Unknown extra fields are stripped, never errors: producers evolve ahead of consumers.
 */
export const eventEnvelopeSchema = z.object({
  event_id: textSchema,
  event_name: textSchema,
  aggregate_id: textSchema,
  /** RFC 3339 with a `Z` or numeric offset; the date must exist (no 2025-02-30). */
  occurred_at: z.iso.datetime({ offset: true }),
  correlation_id: z.string().max(MAX_TEXT_LENGTH).nullish(),
  causation_id: z.string().max(MAX_TEXT_LENGTH).nullish(),
  schema_version: z.int().min(1).default(DEFAULT_SCHEMA_VERSION),
  payload: z.looseObject({}),
});

/** A valid envelope as `parseCheckoutEvent` hands it out (nulls dropped, time normalised). */
export interface EventEnvelope {
  event_id: string;
  event_name: string;
  aggregate_id: string;
  /** Normalised to UTC ISO-8601 with milliseconds, e.g. `2025-01-31T09:00:00.000Z`. */
  occurred_at: string;
  correlation_id?: string;
  causation_id?: string;
  schema_version: number;
  payload: Record<string, unknown>;
}
