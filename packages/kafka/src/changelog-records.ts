import { crc32 } from 'node:zlib';
import { encodeSnapshot, SNAPSHOT_SCHEMA_VERSION, type CheckoutOrder } from '@checkout/domain';
import type { ChangelogMarker } from '@checkout/engine';
import type { IHeaders, Message } from 'kafkajs';

/**
 * # Snapshot changelog record layout (README, "Snapshot changelog")
 *
 * Topic: `SNAPSHOT_CHANGELOG_TOPIC`, `cleanup.policy=compact`, as many partitions as the
 * event topics; partition N holds the sessions of partition number N (set explicitly, never
 * by a partitioner).
 *
 *   snapshot: key = session id (UTF-8), value = the snapshot document as stored in Redis
 *             (SPEC §5, `encodeSnapshot`), header `x-checkout-record: snapshot`, header
 *             `x-checkout-crc32` = CRC-32 (IEEE, zlib's) of the value bytes, decimal;
 *   marker:   key = 0xFF "checkout:marker" (0xFF is never valid UTF-8, so no session id can
 *             collide with it), value = `{"positions":{"<logical topic>:<N>":"<next offset>"}}`,
 *             header `x-checkout-record: marker`; the last record of every transaction.
 *
 * A marker's positions say that every session of partition N has a snapshot in the
 * changelog holding every event below each position. Compaction keeps the last marker.
 *
 * Why a checksum: a restore writes the value into Redis as it is, without parsing it (parsing
 * and re-encoding was most of a restore's time, BENCHMARKS.md), so the bytes must be proven to
 * be the ones the projector encoded: a value damaged anywhere between the producer and the
 * restore fails the check and the restore refuses it. In a header, not in the value, so the
 * value stays the document byte for byte and a record published before the header existed
 * still reads (a restore decodes such a record in full instead).
 */
export const MARKER_KEY = Buffer.concat([Buffer.from([0xff]), Buffer.from('checkout:marker')]);

export function snapshotMessage(
  partition: number,
  sessionId: string,
  order: CheckoutOrder,
): Message {
  const value = Buffer.from(encodeSnapshot(order), 'utf8');
  return {
    partition,
    key: sessionId,
    value,
    headers: { 'x-checkout-record': 'snapshot', [CHECKSUM_HEADER]: String(crc32(value)) },
  };
}

const CHECKSUM_HEADER = 'x-checkout-crc32';

export function markerMessage(partition: number, marker: ChangelogMarker): Message {
  return {
    partition,
    key: MARKER_KEY,
    value: JSON.stringify({ positions: Object.fromEntries(marker) }),
    headers: { 'x-checkout-record': 'marker' },
  };
}

export type ChangelogRecord =
  | { kind: 'marker'; positions: Map<string, string> }
  | {
      kind: 'snapshot';
      sessionId: string;
      /** The document's bytes, unchecked: see {@link checkedDocument}. */
      value: Buffer;
      /** The `x-checkout-crc32` header; undefined on a record published without one. */
      checksum: string | undefined;
    }
  /** A tombstone (null value) or a record this layout does not know: skipped. */
  | { kind: 'other' };

export function readChangelogRecord(
  key: Buffer | null,
  value: Buffer | null,
  headers?: IHeaders,
): ChangelogRecord {
  if (key === null || value === null) return { kind: 'other' };
  if (key.equals(MARKER_KEY)) return markerOf(value);
  const sessionId = key.toString('utf8');
  if (!Buffer.from(sessionId, 'utf8').equals(key)) return { kind: 'other' };
  const header = headers?.[CHECKSUM_HEADER];
  const checksum =
    Buffer.isBuffer(header) || typeof header === 'string' ? String(header) : undefined;
  return { kind: 'snapshot', sessionId, value, checksum };
}

export type CheckedDocument =
  /** Sealed and intact: the bytes can be written as they are. */
  | { ok: true; document: Buffer }
  /** Published without a checksum (an older projector): decode it to trust it. */
  | { ok: false; reason: 'unsealed' }
  | { ok: false; reason: 'corrupt'; message: string };

/**
 * Whether a snapshot record's value is the document the projector sealed for this session:
 * its checksum matches, and it starts as `encodeSnapshot` starts every document, with this
 * schema version and this session's id (a document of another version, or under another
 * session's key, is refused like a damaged one: the checksum cannot tell those). Costs a
 * CRC-32 of the bytes (native) and a prefix compare: no parse.
 */
export function checkedDocument(
  record: Extract<ChangelogRecord, { kind: 'snapshot' }>,
): CheckedDocument {
  if (record.checksum === undefined) return { ok: false, reason: 'unsealed' };
  const actual = String(crc32(record.value));
  if (actual !== record.checksum) {
    return {
      ok: false,
      reason: 'corrupt',
      message: `its checksum does not match (header ${record.checksum}, value ${actual}): the value was damaged after it was published`,
    };
  }
  const prefix = Buffer.from(
    `{"schema_version":${SNAPSHOT_SCHEMA_VERSION},"session_id":${JSON.stringify(record.sessionId)},`,
    'utf8',
  );
  if (
    record.value.length < prefix.length ||
    !record.value.subarray(0, prefix.length).equals(prefix)
  ) {
    return {
      ok: false,
      reason: 'corrupt',
      message: `it is not a schema_version ${SNAPSHOT_SCHEMA_VERSION} snapshot of this session (another version, or published under another key)`,
    };
  }
  return { ok: true, document: record.value };
}

function markerOf(value: Buffer): ChangelogRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { kind: 'other' };
  }
  const positions = (parsed as { positions?: unknown } | null)?.positions;
  if (typeof positions !== 'object' || positions === null) return { kind: 'other' };
  const entries = Object.entries(positions).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && /^\d+$/.test(entry[1]),
  );
  return { kind: 'marker', positions: new Map(entries) };
}
