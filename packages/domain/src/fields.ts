import { z } from 'zod';
import { MAX_TEXT_LENGTH } from './limits.ts';

/**
 * Field schemas shared by the envelope, the payloads and the snapshot. Plain checks only (no
 * refinements, no transforms): they stay cheap on the hot path and representable in JSON Schema.
 */

/** Identifiers and free text: non-empty, at most 200 characters (SPEC §3). */
export const textSchema = z.string().min(1).max(MAX_TEXT_LENGTH);

/**
 * An optional payload text. `null` reads as "not given": producers in other languages often
 * serialise an unset field as null, and rejecting those would send valid events to the DLQ.
 */
export const optionalTextSchema = textSchema.nullish();

/** `session_id` / `cart_id` in a payload: empty means "use aggregate_id" (SPEC §2). */
export const sessionReferenceSchema = z.string().max(MAX_TEXT_LENGTH).nullish();

/** Integer minor units, never negative, always an exact (safe) integer. */
export const moneySchema = z.int().min(0);

export const CURRENCY_CODE_PATTERN = /^[A-Z]{3}$/;
export const currencyCodeSchema = z.string().regex(CURRENCY_CODE_PATTERN, {
  error: 'expected 3 upper-case letters (ISO 4217)',
});

/** UTC ISO-8601 with milliseconds: how the order stores every timestamp. */
export const utcTimestampSchema = z.iso.datetime({ precision: 3 });
