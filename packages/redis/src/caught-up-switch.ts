import { parseTopicPartitionKey } from '@checkout/engine';
import { layoutOfScope, type GenerationScope } from './generations.ts';
import type { RedisConnection } from './redis-connection.ts';
import { toStoreError } from './redis-errors.ts';

export type CaughtUpSwitchResult =
  | { ok: true }
  /** Another rebuild (or an operator) switched first; `actual` is what the pointer holds. */
  | { ok: false; reason: 'pointer-moved'; actual: string | null }
  /** The live projector is ahead of the new generation on `partition`: keep consuming, retry. */
  | { ok: false; reason: 'behind'; partition: string; target: string | null; live: string };

/**
 * KEYS[1] pointer, KEYS[2] the new generation's checkpoint hash, KEYS[3] the live generation's
 * ARGV[1] expected pointer ("" = base), ARGV[2] new pointer ("" = base), ARGV[3..] fields.
 * Offsets compare as canonical decimals (length, then text), like the commit script.
 */
const CAUGHT_UP_SWITCH_SCRIPT = `
local current = redis.call('GET', KEYS[1]) or ''
if current == ARGV[2] then return {'ok'} end
if current ~= ARGV[1] then return {'pointer-moved', current} end
for i = 3, #ARGV do
  local live = redis.call('HGET', KEYS[3], ARGV[i])
  if live then
    local target = redis.call('HGET', KEYS[2], ARGV[i]) or ''
    if #target < #live or (#target == #live and target < live) then
      return {'behind', ARGV[i], target, live}
    end
  end
end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return {'ok'}
`;

/**
 * The blue/green hand-over in one atomic step: points readers at generation `to` only if the
 * pointer still names `from` and, for every partition in `partitions` (logical
 * `"<topic>:<partition>"`), `to`'s checkpoint of `group` is at or past `from`'s. Checked and
 * switched inside Redis, so the live projector (which writes `from` until the switch) cannot
 * slip ahead in between: readers never see a session go back in time at the switch, and the
 * live projector, whose next commit fails its pointer guard, resumes from `to`'s checkpoints
 * without skipping anything.
 *
 * In a cluster each shard (partition number) switches on its own, with the partitions of
 * that shard: a shard that is behind is reported and the shards before it stay switched (a
 * retry finds them at `to` and passes them). Every session still switches at one instant,
 * together with the checkpoints that say what its snapshot holds.
 */
export async function switchGenerationWhenCaughtUp(
  redis: RedisConnection,
  change: {
    group: string;
    from: string | null;
    to: string | null;
    partitions: readonly string[];
  } & GenerationScope,
): Promise<CaughtUpSwitchResult> {
  const layout = layoutOfScope(change);
  for (const shard of layout.shards) {
    const fields = change.partitions.filter((field) => {
      const parsed = parseTopicPartitionKey(field);
      return parsed !== undefined && layout.shardOfPartition(parsed.partition) === shard;
    });
    const result = await switchShard(
      redis,
      layout.keys(shard, null).activeGeneration,
      layout.keys(shard, change.to).checkpoints(change.group),
      layout.keys(shard, change.from).checkpoints(change.group),
      change.from,
      change.to,
      fields,
    );
    if (!result.ok) return result;
  }
  return { ok: true };
}

async function switchShard(
  redis: RedisConnection,
  pointer: string,
  target: string,
  live: string,
  from: string | null,
  to: string | null,
  fields: readonly string[],
): Promise<CaughtUpSwitchResult> {
  let reply: unknown;
  try {
    reply = await redis.eval(
      CAUGHT_UP_SWITCH_SCRIPT,
      3,
      pointer,
      target,
      live,
      from ?? '',
      to ?? '',
      ...fields,
    );
  } catch (error) {
    throw toStoreError(error, `switch ${pointer} from ${from ?? 'base'} to ${to ?? 'base'}`);
  }
  const [status, ...rest] = reply as string[];
  if (status === 'ok') return { ok: true };
  if (status === 'pointer-moved')
    return { ok: false, reason: 'pointer-moved', actual: rest[0] ? rest[0] : null };
  const [partition = '', stored = '', liveAt = ''] = rest;
  return {
    ok: false,
    reason: 'behind',
    partition,
    target: stored === '' ? null : stored,
    live: liveAt,
  };
}
