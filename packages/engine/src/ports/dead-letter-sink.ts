import type { RejectionReason } from '@checkout/domain';

/**
 * A poison record as it is published to the dead-letter topic (SPEC §6): enough to inspect
 * it and to replay it after a fix. Published at least once: a crash between publishing and
 * storing the batch publishes it again on redelivery, with the same original coordinates,
 * which readers of the dead-letter topic use to de-duplicate.
 */
/**
 * Why a record is dead-lettered: a rejection of the event (SPEC §3), or `snapshot_unreadable`:
 * its session's stored snapshot cannot be read (corrupt, or written by a newer schema
 * version), so nothing can be folded onto it until it is repaired (`checkout-rebuild
 * --session`); `checkout-rebuild dlq replay` then brings the record in.
 */
export type DeadLetterReason = RejectionReason | 'snapshot_unreadable';

/** A header value as an entry carries it: UTF-8 text, or its bytes in base64. */
export type DeadLetterHeaderValue = string | { base64: string };

export interface DeadLetterEntry {
  reason: DeadLetterReason;
  message: string;
  original: {
    topic: string;
    partition: number;
    offset: string;
    timestamp: string;
    /** UTF-8 text, or base64 when the bytes are not valid UTF-8 (`key_encoding`). */
    key: string | null;
    key_encoding: 'utf8' | 'base64';
    /**
     * UTF-8 text, or base64 when the bytes are not valid UTF-8 (`value_encoding`). When
     * `value_truncated` is present, only the first bytes of the value (a head for humans).
     */
    value: string | null;
    value_encoding: 'utf8' | 'base64';
    /**
     * Present when the value was longer than an entry may carry (dead-letter.ts): its size and
     * SHA-256, so `dlq replay` re-reads the original record from its topic at `offset` and
     * checks it is the same one.
     */
    value_truncated?: { bytes: number; sha256: string };
    /**
     * Every header of the original record, in full: a repeated header is a list of its values in
     * order; a value that is not valid UTF-8 is `{ base64 }`.
     */
    headers: Record<string, DeadLetterHeaderValue | DeadLetterHeaderValue[]>;
  };
  event_id: string | null;
  event_name: string | null;
  correlation_id: string | null;
}

export interface DeadLetterSink {
  /** Resolves once every entry is durably accepted (acks from all in-sync replicas). */
  publish(entries: readonly DeadLetterEntry[]): Promise<void>;
}
