/**
 * What an operator needs to know about a generation (pure, from its info hash and the pointer).
 *
 * - `active`: readers read it (the pointer names it);
 * - `building`: a rebuild is writing it now (heartbeat fresh);
 * - `previous`: was switched to once and away from since: a rollback target, safe to drop;
 * - `orphan`: never completed (a killed or failed rebuild, or a verification's scratch): drop it.
 */
export type GenerationRole = 'active' | 'building' | 'previous' | 'orphan';

export type GenerationState = 'building' | 'switched' | 'failed' | 'interrupted';

/** Stored as a hash at `<ns>:gen:<id>:info`, so dropping the generation drops it too. */
export interface GenerationInfo {
  purpose: 'rebuild' | 'verify';
  state: GenerationState;
  /** ISO times. */
  created_at: string;
  heartbeat_at: string;
  switched_at?: string;
  /** What the generation was built from, e.g. `earliest`, `offset 1200`. */
  from: string;
  /** The generation that was active when this one started (`base` for the base keys). */
  replaces: string;
  host: string;
  pid: string;
  /** FOLD_VERSION of the fold that built it (absent on generations built before it was recorded). */
  fold_version?: string;
}

/** A building generation whose heartbeat is older than this is presumed dead. */
export const HEARTBEAT_STALE_MS = 10_000;
export const HEARTBEAT_INTERVAL_MS = 2_000;

export function generationRole(
  info: GenerationInfo | null,
  active: boolean,
  nowMs: number,
): GenerationRole {
  if (active) return 'active';
  if (info === null) return 'orphan';
  if (info.state === 'switched') return 'previous';
  if (info.state === 'building' && nowMs - Date.parse(info.heartbeat_at) < HEARTBEAT_STALE_MS)
    return 'building';
  return 'orphan';
}
