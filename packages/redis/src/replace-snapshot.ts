import { encodeSnapshot, type CheckoutOrder } from '@checkout/domain';
import { EngineError } from '@checkout/engine';
import { layoutOfScope, type GenerationScope } from './generations.ts';
import { LUA_WRITE_HELPERS, markLifetimeSeconds } from './last-write-mark.ts';
import type { RedisConnection } from './redis-connection.ts';
import { toStoreError } from './redis-errors.ts';

export type ReplaceSnapshotResult =
  | { ok: true }
  /** The active generation is no longer `generation`. */
  | { ok: false; reason: 'generation-moved'; actual: string | null }
  /** The stored document is no longer the one the caller read. */
  | { ok: false; reason: 'changed' };

/**
 * KEYS[1] pointer, KEYS[2] snapshot key, KEYS[3] its last-write mark; ARGV[1] generation
 * ("" = base), ARGV[2] "1" when the key must be absent, ARGV[3] the document it must hold
 * otherwise, ARGV[4] the new document, ARGV[5] TTL seconds (0 = none), ARGV[6] the mark's
 * lifetime in seconds (0 = none).
 */
const REPLACE_SCRIPT = `${LUA_WRITE_HELPERS}
local active = redis.call('GET', KEYS[1]) or ''
if active ~= ARGV[1] then return {'generation-moved', active} end
local current = redis.call('GET', KEYS[2])
if ARGV[2] == '1' then
  if current then return {'changed'} end
elseif current ~= ARGV[3] then
  return {'changed'}
end
-- A mark of its own, never the one the projector's write had (same millisecond): a projector
-- that kept its copy of that write is refused by its next commit (commit-script.ts).
local mark = now_ms()
if redis.call('GET', KEYS[3]) == mark then mark = string.format('%.0f', tonumber(mark) + 1) end
set_with_ttl(KEYS[2], ARGV[4], tonumber(ARGV[5]))
set_with_ttl(KEYS[3], mark, tonumber(ARGV[6]))
return {'ok'}
`;

/**
 * Replaces one session's snapshot in the active generation (`checkout-rebuild --session`),
 * guarded by the exact document read before (`expected`, null = absent) and by the pointer
 * still naming `generation`. The guard compares the whole document rather than the version
 * the batch commit compares, so it can also repair a document that no longer decodes (whose
 * version the commit script cannot read). The TTL is refreshed, as on every write.
 */
export async function replaceSnapshot(
  redis: RedisConnection,
  write: {
    generation: string | null;
    sessionId: string;
    expected: string | null;
    order: CheckoutOrder;
    ttlSeconds: number;
  } & GenerationScope,
): Promise<ReplaceSnapshotResult> {
  const layout = layoutOfScope(write);
  if (!Number.isSafeInteger(write.ttlSeconds) || write.ttlSeconds < 0) {
    throw new EngineError(
      'CONFIGURATION',
      `SNAPSHOT_TTL_SECONDS must be a whole number ≥ 0, got ${write.ttlSeconds}.`,
      {
        canRetry: false,
      },
    );
  }
  const keys = layout.keys(layout.shardOfSession(write.sessionId), write.generation);
  const key = keys.snapshot(write.sessionId);
  let reply: unknown;
  try {
    reply = await redis.eval(
      REPLACE_SCRIPT,
      3,
      keys.activeGeneration,
      key,
      keys.lastWrite(write.sessionId),
      write.generation ?? '',
      write.expected === null ? '1' : '0',
      write.expected ?? '',
      encodeSnapshot(write.order),
      String(write.ttlSeconds),
      String(markLifetimeSeconds(write.ttlSeconds)),
    );
  } catch (error) {
    throw toStoreError(error, `replace ${key}`, { key });
  }
  const [status, actual] = reply as string[];
  if (status === 'ok') return { ok: true };
  if (status === 'generation-moved')
    return { ok: false, reason: 'generation-moved', actual: actual ? actual : null };
  return { ok: false, reason: 'changed' };
}
