import { EngineError } from '@checkout/engine';
import { generationInfoKey } from './generation-info.ts';
import { standaloneLayout, type KeyLayout } from './key-layout.ts';
import { DEFAULT_NAMESPACE, generationSequenceKey } from './keyspace.ts';
import { scanKeys, type RedisConnection } from './redis-connection.ts';
import { withStoreError } from './redis-errors.ts';

/**
 * Blue/green generations for `checkout-rebuild` (layout in keyspace.ts and
 * cluster-keyspace.ts). A rebuild takes a new id, projects into it while readers keep reading
 * the active one, then switches the pointer with a compare-and-set and, later, drops the old
 * generation. `null` everywhere means the base generation (the unprefixed keys).
 *
 * In a cluster every partition number (shard) has its own pointer, switched on its own: a
 * shard is self-contained (its snapshots, checkpoints and pointer share one slot), so a
 * reader of a session only ever needs its own shard's pointer. Across shards a switch is not
 * one instant; for each session it is.
 */

/** Options shared by every function here. */
export interface GenerationScope {
  /** @default 'checkout' (ignored when `layout` is given) */
  namespace?: string;
  /** @default standaloneLayout(namespace) */
  layout?: KeyLayout;
}

export function layoutOfScope(scope: GenerationScope): KeyLayout {
  return scope.layout ?? standaloneLayout(scope.namespace ?? DEFAULT_NAMESPACE);
}

export type SwitchResult = { ok: true } | { ok: false; actual: string | null };

/** A fresh generation id (`INCR <ns>:generation-seq`): never reused, even after a drop. */
export async function newGenerationId(
  redis: RedisConnection,
  scope: GenerationScope = {},
): Promise<string> {
  const key = generationSequenceKey(layoutOfScope(scope).namespace);
  return String(await withStoreError(() => redis.incr(key), `increment ${key}`));
}

/** Each shard's live generation id (null: the base keys). */
export async function activeGenerations(
  redis: RedisConnection,
  scope: GenerationScope = {},
): Promise<Map<number, string | null>> {
  const layout = layoutOfScope(scope);
  const active = new Map<number, string | null>();
  for (const shard of layout.shards) {
    const key = layout.keys(shard, null).activeGeneration;
    active.set(shard, await withStoreError(() => redis.get(key), `read ${key}`));
  }
  return active;
}

/**
 * The live generation id, or null when readers read the base keys. In a cluster every shard's
 * pointer must agree; shards left apart (a switch interrupted half way) are an alarm naming the
 * command that brings them together.
 */
export async function activeGeneration(
  redis: RedisConnection,
  scope: GenerationScope = {},
): Promise<string | null> {
  const layout = layoutOfScope(scope);
  const active = await activeGenerations(redis, { layout });
  const distinct = new Set(active.values());
  if (distinct.size <= 1) return [...distinct][0] ?? null;
  const listed = [...active].map(([shard, id]) => `p${shard}→${id ?? 'base'}`).join(', ');
  throw new EngineError(
    'CONFIGURATION',
    `The partitions of namespace ${layout.namespace} point at different generations (${listed}): ` +
      'a switch stopped half way. Finish it with `checkout-rebuild generations activate <id>`.',
    { canRetry: false, context: { namespace: layout.namespace } },
  );
}

/**
 * KEYS[1] pointer; ARGV[1] expected ("" = base), ARGV[2] new ("" = base: delete the pointer).
 * A pointer that already names the new generation is left as it is (a switch resumed).
 */
const SWITCH_SCRIPT = `
local current = redis.call('GET', KEYS[1]) or ''
if current == ARGV[2] then return {1, current} end
if current ~= ARGV[1] then return {0, current} end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return {1, current}
`;

/**
 * Points readers at `to` if the pointer still holds `from`, in one atomic step per shard.
 * Refused (with what it holds) when another rebuild switched first; shards switched before the
 * refusal stay switched (run it again with the `from` they hold).
 */
export async function switchGeneration(
  redis: RedisConnection,
  change: { from: string | null; to: string | null } & GenerationScope,
): Promise<SwitchResult> {
  const layout = layoutOfScope(change);
  for (const id of [change.from, change.to]) if (id !== null) layout.keys(0, id);
  for (const shard of layout.shards) {
    const key = layout.keys(shard, null).activeGeneration;
    const reply = await withStoreError(
      () => redis.eval(SWITCH_SCRIPT, 1, key, change.from ?? '', change.to ?? ''),
      `switch ${key} from ${change.from ?? 'base'} to ${change.to ?? 'base'}`,
    );
    const [switched, actual] = reply as [number, string];
    if (switched !== 1) return { ok: false, actual: actual === '' ? null : actual };
  }
  return { ok: true };
}

/** KEYS[1] pointer, KEYS[2..] keys of generation ARGV[1]: unlinks them unless it is active. */
const DROP_PAGE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return -1 end
return redis.call('UNLINK', unpack(KEYS, 2))
`;
const DROP_PAGE_SIZE = 500;

/**
 * Deletes every key of generation `id` (SCAN + UNLINK, a page at a time, on every primary, so
 * Redis never blocks) and returns how many. Each page re-checks, atomically, that `id` is not
 * the active generation of its shard; the base generation cannot be dropped. Stop the writers
 * of `id` first: SCAN may miss keys created while it runs (dropping again finishes the job).
 * The rebuild's bookkeeping of `id` (generation-info.ts) goes last.
 */
export async function dropGeneration(
  redis: RedisConnection,
  id: string,
  scope: GenerationScope = {},
): Promise<number> {
  const layout = layoutOfScope(scope);
  const generation = layout.generationKeys(id);
  const found = new Map<number, string[]>();
  // Collect first, unlink after: deleting while a cluster SCAN runs is fine, but one page
  // holds keys of many slots, and each unlink must stay in one.
  await scanKeys(redis, generation.pattern, (keys) => {
    for (const key of keys) {
      if (!generation.matches(key)) continue;
      const shard = layout.mode === 'cluster' ? shardOfKey(layout, key) : 0;
      const list = found.get(shard) ?? [];
      list.push(key);
      found.set(shard, list);
    }
  });
  let removed = 0;
  for (const [shard, keys] of found) {
    const pointer = layout.keys(shard, null).activeGeneration;
    for (let start = 0; start < keys.length; start += DROP_PAGE_SIZE) {
      const page = keys.slice(start, start + DROP_PAGE_SIZE);
      const count = await withStoreError(
        () => redis.eval(DROP_PAGE_SCRIPT, page.length + 1, pointer, ...page, id),
        `unlink keys of generation ${id}`,
      );
      if (count === -1) {
        throw new EngineError(
          'CONFIGURATION',
          `Generation ${id} is the active one (${pointer}); switch readers to another generation before dropping it.`,
          { canRetry: false, context: { namespace: layout.namespace, generation: id, removed } },
        );
      }
      removed += Number(count);
    }
  }
  if (layout.mode === 'cluster') {
    // Outside every partition's tag, so the scan above did not see it.
    const info = generationInfoKey(layout.namespace, id);
    removed += Number(await withStoreError(() => redis.unlink(info), `unlink ${info}`));
  }
  return removed;
}

/** The shard of a cluster key this layout built (its tag is `{<ns>:p<N>}`). */
function shardOfKey(layout: KeyLayout, key: string): number {
  const shard = Number(/^\{[^}]*:p(\d+)\}/.exec(key)?.[1]);
  if (!layout.shards.includes(shard)) throw new Error(`bug: ${key} is in no shard`);
  return shard;
}

/**
 * Copies the checkpoint hash of `group` from one generation to another that has none yet
 * (COPY without REPLACE: atomic, never overwrites), shard by shard: both hashes of a shard
 * share its hash tag. Returns false when any target exists or every source is empty.
 */
export async function copyCheckpoints(
  redis: RedisConnection,
  copy: { group: string; from: string | null; to: string | null } & GenerationScope,
): Promise<boolean> {
  const layout = layoutOfScope(copy);
  let copiedAll = true;
  let copiedAny = false;
  for (const shard of layout.shards) {
    const source = layout.keys(shard, copy.from).checkpoints(copy.group);
    const target = layout.keys(shard, copy.to).checkpoints(copy.group);
    const copied = await withStoreError(
      () => redis.copy(source, target),
      `copy ${source} to ${target}`,
    );
    if (copied === 1) copiedAny = true;
    else if ((await withStoreError(() => redis.exists(source), `read ${source}`)) === 1)
      copiedAll = false;
  }
  return copiedAny && copiedAll;
}
