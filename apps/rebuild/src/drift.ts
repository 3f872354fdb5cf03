import { isDeepStrictEqual } from 'node:util';
import { comparableView, type CheckoutOrder } from '@checkout/domain';

/**
 * Drift between the live projection and a rebuilt one (pure).
 *
 * The live projector keeps consuming while a verification runs, so a session can differ only
 * because one side has applied more of its events. Each side's checkpoint, read *before* its
 * snapshot, says which events its snapshot must contain: every event of the session below the
 * checkpoint (a commit stores snapshots and checkpoints together). So on each partition, with
 * c = min(live checkpoint, rebuilt checkpoint), both snapshots hold exactly the session's
 * events below c when neither has applied an offset ≥ c; then they must be equal, and any
 * difference is drift. Otherwise the session is *unsettled*: compare it again later.
 */
export interface FieldDifference {
  path: string;
  live: unknown;
  rebuilt: unknown;
}

export type DriftReason =
  'differs' | 'missing_in_live' | 'missing_in_rebuild' | 'unreadable_in_live';

export type SessionVerdict =
  | { kind: 'equal' }
  | { kind: 'drift'; reason: DriftReason; differences: FieldDifference[] }
  | { kind: 'unsettled'; field: string }
  /** Missing live, but its last event is older than the snapshot TTL: expired, as it should. */
  | { kind: 'expired' };

export interface SessionEvidence {
  live: CheckoutOrder | null;
  rebuilt: CheckoutOrder | null;
  liveCheckpoints: ReadonlyMap<string, string>;
  rebuiltCheckpoints: ReadonlyMap<string, string>;
  /** SNAPSHOT_TTL_SECONDS; 0 = snapshots never expire. */
  ttlSeconds: number;
  nowMs: number;
}

const MAX_DIFFERENCES = 20;

export function judgeSession(evidence: SessionEvidence): SessionVerdict {
  const { live, rebuilt } = evidence;
  if (live === null && rebuilt === null) return { kind: 'equal' };
  const fields = new Set([
    ...Object.keys(live?.meta.offsets ?? {}),
    ...Object.keys(rebuilt?.meta.offsets ?? {}),
  ]);
  for (const field of fields) {
    const settledBelow = minOffset(
      evidence.liveCheckpoints.get(field),
      evidence.rebuiltCheckpoints.get(field),
    );
    const applied = [live?.meta.offsets[field], rebuilt?.meta.offsets[field]];
    if (applied.some((offset) => offset !== undefined && BigInt(offset) >= settledBelow)) {
      return { kind: 'unsettled', field };
    }
  }
  if (live === null) {
    const lastEvent = rebuilt?.updated_at ?? null;
    const expired =
      evidence.ttlSeconds > 0 &&
      lastEvent !== null &&
      Date.parse(lastEvent) + evidence.ttlSeconds * 1000 < evidence.nowMs;
    return expired
      ? { kind: 'expired' }
      : { kind: 'drift', reason: 'missing_in_live', differences: [] };
  }
  if (rebuilt === null) return { kind: 'drift', reason: 'missing_in_rebuild', differences: [] };
  const differences = diffValues(comparableView(live), comparableView(rebuilt));
  return differences.length === 0
    ? { kind: 'equal' }
    : { kind: 'drift', reason: 'differs', differences };
}

/** The leaves where two JSON-like values differ, as `a.b[2].c` paths (at most `limit`). */
export function diffValues(
  live: unknown,
  rebuilt: unknown,
  limit = MAX_DIFFERENCES,
): FieldDifference[] {
  const out: FieldDifference[] = [];
  walk(live, rebuilt, '', out, limit);
  return out;
}

function walk(
  live: unknown,
  rebuilt: unknown,
  path: string,
  out: FieldDifference[],
  limit: number,
): void {
  if (out.length >= limit || isDeepStrictEqual(live, rebuilt)) return;
  if (Array.isArray(live) && Array.isArray(rebuilt)) {
    const length = Math.max(live.length, rebuilt.length);
    for (let i = 0; i < length; i += 1) walk(live[i], rebuilt[i], `${path}[${i}]`, out, limit);
    return;
  }
  if (isRecord(live) && isRecord(rebuilt)) {
    const keys = [...new Set([...Object.keys(live), ...Object.keys(rebuilt)])].sort();
    for (const key of keys)
      walk(live[key], rebuilt[key], path === '' ? key : `${path}.${key}`, out, limit);
    return;
  }
  out.push({ path: path === '' ? '(root)' : path, live, rebuilt });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The lower of two checkpoints; an absent one is 0 (nothing stored yet). */
function minOffset(a: string | undefined, b: string | undefined): bigint {
  const left = BigInt(a ?? '0');
  const right = BigInt(b ?? '0');
  return left < right ? left : right;
}
