import { DEAD_LETTER_REASONS, deadLetterEntrySchema, parseDeadLetterEntry } from '@checkout/engine';
import { z } from 'zod';

/**
 * A message of the dead-letter topic, decoded (layout: @checkout/kafka dead-letter-producer.ts):
 * key = the original key, value = the DeadLetterEntry JSON, headers = the original headers +
 * `x-dlq-reason`. Decoding is lenient about what it does not need (a newer reason code, a
 * missing correlation id) and strict about what replay needs (the original coordinates and
 * value), so a message it cannot replay is reported as unreadable, never skipped silently.
 */
const nullableText = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

const { shape } = deadLetterEntrySchema;
const entrySchema = deadLetterEntrySchema.extend({
  reason: z.string().min(1),
  message: z.string().default(''),
  original: shape.original.extend({
    timestamp: z.string().default(''),
    key: nullableText,
    key_encoding: shape.original.shape.key_encoding.default('utf8'),
    value: nullableText,
    value_encoding: shape.original.shape.value_encoding.default('utf8'),
    headers: shape.original.shape.headers.default({}),
  }),
  event_id: nullableText,
  event_name: nullableText,
  correlation_id: nullableText,
});

/** A DeadLetterEntry as read back; `reason` stays a string so newer codes still list. */
export type DeadLetterRecord = z.infer<typeof entrySchema>;

/** Where a message sits in the dead-letter topic. */
export interface DlqPosition {
  partition: number;
  offset: string;
}

export type DeadLetter =
  | { kind: 'entry'; at: DlqPosition; entry: DeadLetterRecord }
  | { kind: 'unreadable'; at: DlqPosition; problem: string };

/** The reasons the engine dead-letters with, for `--reason` choices. */
export const REJECTION_REASONS = DEAD_LETTER_REASONS;

export function decodeDeadLetter(at: DlqPosition, value: Buffer | null): DeadLetter {
  if (value === null) return { kind: 'unreadable', at, problem: 'the message has no value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return {
      kind: 'unreadable',
      at,
      problem: `the value is not JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  const parsed = parseDeadLetterEntry(entrySchema, json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'value' : issue.path.join('.');
    return {
      kind: 'unreadable',
      at,
      problem: `not a dead-letter entry: ${where}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { kind: 'entry', at, entry: parsed.data };
}

/** `"<topic>:<partition>:<offset>"` of the original record: the identity of a poison record. */
/**
 * Most original coordinates a scan of the dead-letter topic remembers (about 100 bytes each),
 * to tell repeats apart; past it, every entry counts as new (at-least-once, as documented).
 */
export const MAX_REMEMBERED_ORIGINALS = 1_000_000;

export function originalCoordinates(entry: DeadLetterRecord): string {
  return `${entry.original.topic}:${entry.original.partition}:${entry.original.offset}`;
}
