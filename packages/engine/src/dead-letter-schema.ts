import { z } from 'zod';
import type { DeadLetterReason } from './ports/dead-letter-sink.ts';

/** Every reason the engine dead-letters with (SPEC §3, and snapshot_unreadable). */
export const DEAD_LETTER_REASONS = [
  'invalid_json',
  'invalid_envelope',
  'invalid_payload',
  'topic_mismatch',
  'currency_mismatch',
  'limit_exceeded',
  'amount_overflow',
  'key_mismatch',
  'snapshot_unreadable',
] as const satisfies readonly DeadLetterReason[];

// Fails to compile when a reason is added to DeadLetterReason and not listed here.
const everyReasonListed: [Exclude<DeadLetterReason, (typeof DEAD_LETTER_REASONS)[number]>] extends [
  never,
]
  ? true
  : false = true;
void everyReasonListed;

const text = z.string().describe('UTF-8 text, or base64 per the matching *_encoding field');
const headerValue = z.union([
  z.string().describe('UTF-8 text'),
  z.object({ base64: z.string() }).strict().describe('bytes that are not valid UTF-8'),
]);
const headerValues = z.union([headerValue, z.array(headerValue)]);

/**
 * A dead-letter entry (the value of a message of the dead-letter topic) as the engine writes
 * it: the JSON Schema published for other languages is generated from this, and
 * `checkout-rebuild dlq` decodes with it (leniently about `reason`, so newer codes still list).
 */
export const deadLetterEntrySchema = z.object({
  reason: z.enum(DEAD_LETTER_REASONS),
  message: z.string().describe('for humans: what was wrong, naming the field'),
  original: z.object({
    topic: z.string().min(1),
    partition: z.number().int().min(0),
    offset: z.string().regex(/^(0|[1-9][0-9]*)$/, 'a decimal offset'),
    timestamp: z.string().describe('the record timestamp, milliseconds since the epoch'),
    key: text.nullable(),
    key_encoding: z.enum(['utf8', 'base64']),
    value: text.nullable().describe('the value, or only its head when value_truncated is set'),
    value_encoding: z.enum(['utf8', 'base64']),
    value_truncated: z
      .object({ bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
      .optional()
      .describe('size and SHA-256 of a value too large to carry: replay re-reads the original'),
    headers: z
      .record(z.string(), headerValues)
      .describe('every header; a repeated one as the list of its values in order'),
  }),
  event_id: z.string().nullable(),
  event_name: z.string().nullable(),
  correlation_id: z.string().nullable(),
});

/**
 * Parses an entry with `schema` (the engine's, or a more lenient one built from it). zod's
 * record leaves out a key named `__proto__`; a header of that name is put back, validated.
 */
export function parseDeadLetterEntry<T extends { original: { headers: object } }>(
  schema: z.ZodType<T>,
  json: unknown,
): ReturnType<z.ZodType<T>['safeParse']> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) return parsed;
  const raw = (json as { original: { headers?: unknown } }).original.headers;
  if (typeof raw !== 'object' || raw === null || !Object.hasOwn(raw, '__proto__')) return parsed;
  const value = headerValues.safeParse((raw as Record<string, unknown>)['__proto__']);
  if (value.success) {
    parsed.data.original.headers = Object.fromEntries([
      ...Object.entries(parsed.data.original.headers),
      ['__proto__', value.data],
    ]) as T['original']['headers'];
  }
  return parsed;
}

export const DEAD_LETTER_ENTRY_JSON_SCHEMA_ID =
  'urn:checkout-projection:schema:dead-letter-entry:v1';

/** The JSON Schema (draft 2020-12) of a dead-letter entry; committed as schema/dead-letter-entry.schema.json. */
export function renderDeadLetterEntryJsonSchema(): string {
  const { $schema, ...generated } = z.toJSONSchema(deadLetterEntrySchema, {
    target: 'draft-2020-12',
  });
  const schema = {
    $schema,
    $id: DEAD_LETTER_ENTRY_JSON_SCHEMA_ID,
    title: 'DeadLetterEntry',
    description:
      'The value of a message of the dead-letter topic (checkout-events-dlq by default): a poison ' +
      'record with its original coordinates, key, value and headers, and why it was rejected. ' +
      'Identify a poison record by original.topic/partition/offset: the topic is at-least-once.',
    ...generated,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
