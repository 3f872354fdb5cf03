import { createHash } from 'node:crypto';

/**
 * A snapshot's version: the SHA-256 (hex) of the document as stored in Redis. The TypeScript
 * and PHP readers return it and the HTTP API sends it as a strong `ETag`, so a service can
 * finalise an order with "the totals I showed are still current".
 *
 * A digest of the content rather than `meta.event_count`: the count stays the same when a
 * rebuild with a fixed fold rewrites a session from the same events, and starts again from 1
 * when a session's snapshot expired and new events arrive; both change what was shown. The
 * digest changes exactly when the stored document does, and any language computes it from
 * the bytes it read, with nothing to agree on but SHA-256. An unknown session has no version
 * (null).
 */
export type SnapshotVersion = string;

export function snapshotVersion(document: string): SnapshotVersion {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

/** A value read from the projection with the version of the snapshot it came from. */
export interface Versioned<T> {
  value: T;
  /** null: the session is unknown (no snapshot). */
  version: SnapshotVersion | null;
}

/** The answer of `getTotalsIfVersion`: are the totals shown at `expected` still current? */
export interface TotalsCheck<T> {
  current: boolean;
  /** The current totals, either way. */
  totals: T;
  version: SnapshotVersion | null;
  expected: SnapshotVersion | null;
}

/** Compares what was shown (`expected`) with a fresh read. */
export function checkVersion<T>(
  read: Versioned<T>,
  expected: SnapshotVersion | null,
): TotalsCheck<T> {
  return {
    current: read.version === expected,
    totals: read.value,
    version: read.version,
    expected,
  };
}
