import { EngineError } from '@checkout/engine';
import type { Redis } from 'ioredis';
import {
  activeGenerationKey,
  DEFAULT_NAMESPACE,
  generationKeyPattern,
  generationSequenceKey,
  keyspace,
} from './keyspace.ts';
import { toStoreError } from './redis-errors.ts';

/**
 * Blue/green generations for `checkout-rebuild` (layout in keyspace.ts). A rebuild takes a
 * new id, projects into it while readers keep reading the active one, then switches the
 * pointer with a compare-and-set and, later, drops the old generation. `null` everywhere
 * means the base generation (the unprefixed keys).
 */

/** Options shared by every function here. */
export interface GenerationScope {
  /** @default 'checkout' */
  namespace?: string;
}

export type SwitchResult = { ok: true } | { ok: false; actual: string | null };

/** A fresh generation id (`INCR <ns>:generation-seq`): never reused, even after a drop. */
export async function newGenerationId(redis: Redis, scope: GenerationScope = {}): Promise<string> {
  const key = generationSequenceKey(scope.namespace ?? DEFAULT_NAMESPACE);
  return String(await call(() => redis.incr(key), `increment ${key}`));
}

/** The live generation id, or null when readers read the base keys. */
export async function activeGeneration(
  redis: Redis,
  scope: GenerationScope = {},
): Promise<string | null> {
  const key = activeGenerationKey(scope.namespace ?? DEFAULT_NAMESPACE);
  return call(() => redis.get(key), `read ${key}`);
}

/** KEYS[1] pointer; ARGV[1] expected ("" = base), ARGV[2] new ("" = base: delete the pointer). */
const SWITCH_SCRIPT = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return {0, current} end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return {1, current}
`;

/**
 * Points readers at `to` if the pointer still holds `from`, in one atomic step. Refused (with
 * what it holds) when another rebuild switched first.
 */
export async function switchGeneration(
  redis: Redis,
  change: { from: string | null; to: string | null } & GenerationScope,
): Promise<SwitchResult> {
  const namespace = change.namespace ?? DEFAULT_NAMESPACE;
  for (const id of [change.from, change.to]) if (id !== null) keyspace(namespace, id);
  const key = activeGenerationKey(namespace);
  const reply = await call(
    () => redis.eval(SWITCH_SCRIPT, 1, key, change.from ?? '', change.to ?? ''),
    `switch ${key} from ${change.from ?? 'base'} to ${change.to ?? 'base'}`,
  );
  const [switched, actual] = reply as [number, string];
  return switched === 1 ? { ok: true } : { ok: false, actual: actual === '' ? null : actual };
}

/** KEYS[1] pointer, KEYS[2..] keys of generation ARGV[1]: unlinks them unless it is active. */
const DROP_PAGE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return -1 end
return redis.call('UNLINK', unpack(KEYS, 2))
`;
const DROP_PAGE_SIZE = 500;

/**
 * Deletes every key of generation `id` (SCAN + UNLINK, a page at a time, so Redis never
 * blocks) and returns how many. Each page re-checks, atomically, that `id` is not the active
 * generation; the base generation cannot be dropped. Stop the writers of `id` first: SCAN may
 * miss keys created while it runs (dropping again finishes the job).
 */
export async function dropGeneration(
  redis: Redis,
  id: string,
  scope: GenerationScope = {},
): Promise<number> {
  const namespace = scope.namespace ?? DEFAULT_NAMESPACE;
  const pointer = activeGenerationKey(namespace);
  const pattern = generationKeyPattern(namespace, id);
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await call(
      () => redis.scan(cursor, 'MATCH', pattern, 'COUNT', DROP_PAGE_SIZE),
      `scan ${pattern}`,
    );
    cursor = next;
    for (let start = 0; start < keys.length; start += DROP_PAGE_SIZE) {
      const page = keys.slice(start, start + DROP_PAGE_SIZE);
      const count = await call(
        () => redis.eval(DROP_PAGE_SCRIPT, page.length + 1, pointer, ...page, id),
        `unlink keys of generation ${id}`,
      );
      if (count === -1) {
        throw new EngineError(
          'CONFIGURATION',
          `Generation ${id} is the active one (${pointer}); switch readers to another generation before dropping it.`,
          { canRetry: false, context: { namespace, generation: id, removed } },
        );
      }
      removed += Number(count);
    }
  } while (cursor !== '0');
  return removed;
}

/**
 * Copies the checkpoint hash of `group` from one generation to another that has none yet
 * (COPY without REPLACE: atomic, never overwrites). Both keys share the `{<group>}` hash tag,
 * so it also works on one Cluster slot. Returns false when the target exists or the source
 * is empty.
 */
export async function copyCheckpoints(
  redis: Redis,
  copy: { group: string; from: string | null; to: string | null } & GenerationScope,
): Promise<boolean> {
  const namespace = copy.namespace ?? DEFAULT_NAMESPACE;
  const source = keyspace(namespace, copy.from).checkpoints(copy.group);
  const target = keyspace(namespace, copy.to).checkpoints(copy.group);
  const copied = await call(() => redis.copy(source, target), `copy ${source} to ${target}`);
  return copied === 1;
}

async function call<T>(operation: () => Promise<T>, what: string): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStoreError(error, what);
  }
}
