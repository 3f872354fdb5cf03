import { isDeepStrictEqual } from 'node:util';
import { comparableView, compareOffsets, lowerOffset, type CheckoutOrder } from '@checkout/domain';

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
 *
 * Expiry is judged on one clock, Redis's (last-write-mark.ts in @checkout/redis): a session
 * missing live is *expired* only when its last-write mark says the live snapshot was last
 * written more than a TTL ago by the Redis clock, or when the mark is gone too (past its
 * lifetime of two TTLs). A mark younger than the TTL means the snapshot was lost (deleted,
 * evicted, a partial restore): drift. Event times never enter it: history replayed today is
 * written today, and expires a TTL from today.
 */
export interface FieldDifference {
  path: string;
  live: unknown;
  rebuilt: unknown;
}

export type DriftReason =
  | 'differs'
  | 'missing_in_live'
  | 'missing_in_rebuild'
  | 'unreadable_in_live'
  /** Live was folded onto a snapshot the store had lost (`meta.history_incomplete`). */
  | 'history_incomplete';

export type SessionVerdict =
  | { kind: 'equal' }
  | { kind: 'drift'; reason: DriftReason; differences: FieldDifference[] }
  | { kind: 'unsettled'; field: string }
  /** Missing live, last written more than a TTL ago by the Redis clock: expired, as it should. */
  | { kind: 'expired' };

export interface SessionEvidence {
  live: CheckoutOrder | null;
  rebuilt: CheckoutOrder | null;
  liveCheckpoints: ReadonlyMap<string, string>;
  rebuiltCheckpoints: ReadonlyMap<string, string>;
  /** SNAPSHOT_TTL_SECONDS; 0 = snapshots never expire. */
  ttlSeconds: number;
  /** The live snapshot's last-write mark (Redis time, ms); null when there is none. */
  liveLastWriteMs: number | null;
  /** Redis's clock (TIME) when the evidence was read, ms. */
  storeNowMs: number;
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
    // An absent checkpoint is 0: nothing stored yet.
    const settledBelow = lowerOffset(
      evidence.liveCheckpoints.get(field) ?? '0',
      evidence.rebuiltCheckpoints.get(field) ?? '0',
    );
    const applied = [live?.meta.offsets[field], rebuilt?.meta.offsets[field]];
    if (
      applied.some((offset) => offset !== undefined && compareOffsets(offset, settledBelow) >= 0)
    ) {
      return { kind: 'unsettled', field };
    }
  }
  if (live === null) {
    return expiredLive(evidence)
      ? { kind: 'expired' }
      : { kind: 'drift', reason: 'missing_in_live', differences: [] };
  }
  if (rebuilt === null) return { kind: 'drift', reason: 'missing_in_rebuild', differences: [] };
  const differences = diffValues(comparableView(live), comparableView(rebuilt));
  if (differences.length === 0) return { kind: 'equal' };
  const lostHistory = live.meta.history_incomplete === true && !rebuilt.meta.history_incomplete;
  return { kind: 'drift', reason: lostHistory ? 'history_incomplete' : 'differs', differences };
}

/** Whether a live snapshot that is absent expired as the TTL says (see the header). */
function expiredLive(evidence: SessionEvidence): boolean {
  if (evidence.ttlSeconds === 0) return false;
  if (evidence.liveLastWriteMs === null) return true;
  return evidence.liveLastWriteMs + evidence.ttlSeconds * 1000 <= evidence.storeNowMs;
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
