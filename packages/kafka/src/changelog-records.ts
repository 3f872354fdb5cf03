import { encodeSnapshot, type CheckoutOrder } from '@checkout/domain';
import type { ChangelogMarker } from '@checkout/engine';
import type { Message } from 'kafkajs';

/**
 * # Snapshot changelog record layout (README, "Snapshot changelog")
 *
 * Topic: `SNAPSHOT_CHANGELOG_TOPIC`, `cleanup.policy=compact`, as many partitions as the
 * event topics; partition N holds the sessions of partition number N (set explicitly, never
 * by a partitioner).
 *
 *   snapshot: key = session id (UTF-8), value = the snapshot document as stored in Redis
 *             (SPEC §5, `encodeSnapshot`), header `x-checkout-record: snapshot`;
 *   marker:   key = 0xFF "checkout:marker" (0xFF is never valid UTF-8, so no session id can
 *             collide with it), value = `{"positions":{"<logical topic>:<N>":"<next offset>"}}`,
 *             header `x-checkout-record: marker`; the last record of every transaction.
 *
 * A marker's positions say that every session of partition N has a snapshot in the
 * changelog holding every event below each position. Compaction keeps the last marker.
 */
export const MARKER_KEY = Buffer.concat([Buffer.from([0xff]), Buffer.from('checkout:marker')]);

export function snapshotMessage(
  partition: number,
  sessionId: string,
  order: CheckoutOrder,
): Message {
  return {
    partition,
    key: sessionId,
    value: encodeSnapshot(order),
    headers: { 'x-checkout-record': 'snapshot' },
  };
}

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
  | { kind: 'snapshot'; sessionId: string; document: string }
  /** A tombstone (null value) or a record this layout does not know: skipped. */
  | { kind: 'other' };

export function readChangelogRecord(key: Buffer | null, value: Buffer | null): ChangelogRecord {
  if (key === null || value === null) return { kind: 'other' };
  if (key.equals(MARKER_KEY)) return markerOf(value);
  const sessionId = key.toString('utf8');
  if (!Buffer.from(sessionId, 'utf8').equals(key)) return { kind: 'other' };
  return { kind: 'snapshot', sessionId, document: value.toString('utf8') };
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
