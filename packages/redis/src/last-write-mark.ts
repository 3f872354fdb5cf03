/**
 * # Last-write marks: how a lost snapshot is told from a new session
 *
 * Snapshots expire SNAPSHOT_TTL_SECONDS after their last write, but checkpoints never do: the
 * next event of an expired session would fold onto an empty order and pass for the whole
 * session ("paid" on an empty cart). So every snapshot write also sets the session's
 * *last-write mark* (`<…>:last-write:{<sessionId>}`, keyspace.ts) to the Redis server time of
 * the write, in ms, and the mark outlives the snapshot: it expires `MARK_LIFETIME_TTLS` TTLs
 * after that write. A session whose snapshot is absent while its mark remains lost its
 * history; the engine marks what it folds onto it (`meta.history_incomplete`).
 *
 * One clock: Redis's. Redis times the TTL from the write and stamps the mark at the write, in
 * the same script, so `checkout-rebuild --verify` judges "expired" (mark + TTL ≤ Redis TIME)
 * on the clock that expired the key, never on event times (old history replayed today is
 * written today and expires a TTL from today).
 *
 * Beyond the mark's lifetime (2 × TTL after the last write) a session is forgotten: an event
 * arriving after that starts a new session, as the original design does.
 *
 * The mark also tells one write from the next: the commit script returns the mark its writes
 * got, and a session the engine kept from that write (kept-sessions.ts) is written again only
 * while that mark is still there. A repair (`replaceSnapshot`) never reuses the mark of the
 * write it replaces, even within the same millisecond.
 */
export const MARK_LIFETIME_TTLS = 2;

/** Seconds a mark lives after a write with this snapshot TTL; 0 = never expires (no TTL). */
export function markLifetimeSeconds(ttlSeconds: number): number {
  return ttlSeconds * MARK_LIFETIME_TTLS;
}

/**
 * Lua helpers shared by every script that writes a snapshot: `now_ms()` reads the server's
 * clock (TIME is allowed before writes: scripts replicate their effects since Redis 5), and
 * `set_with_ttl(key, value, seconds)` writes with an expiry, none when `seconds` is 0.
 */
export const LUA_WRITE_HELPERS = `
local function now_ms()
  local t = redis.call('TIME')
  return t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
end

local function set_with_ttl(key, value, seconds)
  if seconds > 0 then
    redis.call('SET', key, value, 'EX', seconds)
  else
    redis.call('SET', key, value)
  end
end
`;

/** A mark's value (decimal ms) as a number; null when absent or not a mark. */
export function parseMark(value: string | null | undefined): number | null {
  if (value == null || !/^\d{1,16}$/.test(value)) return null;
  return Number(value);
}
