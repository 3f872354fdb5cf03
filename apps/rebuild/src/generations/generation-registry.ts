import { hostname } from 'node:os';
import { FOLD_VERSION } from '@checkout/domain';
import { activeGeneration, generationInfoKey, keyspace, scanGenerationIds } from '@checkout/redis';
import type { RedisClient } from '../redis-client.ts';
import { generationRole, type GenerationInfo, type GenerationRole } from './generation-role.ts';

/**
 * The CLI's bookkeeping of generations: `<ns>:gen:<id>:info` (hash, fields of GenerationInfo,
 * layout in @checkout/redis generation-records.ts), written when a rebuild takes an id and kept
 * up to date while it runs.
 */
export const infoKey = generationInfoKey;

export async function registerGeneration(
  redis: RedisClient,
  namespace: string,
  id: string,
  info: Pick<GenerationInfo, 'purpose' | 'from' | 'replaces'>,
): Promise<void> {
  const now = new Date().toISOString();
  const full: GenerationInfo = {
    ...info,
    state: 'building',
    created_at: now,
    heartbeat_at: now,
    host: hostname(),
    pid: String(process.pid),
    fold_version: String(FOLD_VERSION),
  };
  await redis.hset(infoKey(namespace, id), { ...full });
}

export async function updateGeneration(
  redis: RedisClient,
  namespace: string,
  id: string,
  fields: Partial<GenerationInfo>,
): Promise<void> {
  await redis.hset(infoKey(namespace, id), { heartbeat_at: new Date().toISOString(), ...fields });
}

export interface ListedGeneration {
  /** `base` for the unprefixed keys. */
  id: string;
  role: GenerationRole;
  info: GenerationInfo | null;
}

/**
 * Every generation this CLI created (SCAN for info hashes: O(keys) on the server, fine for an
 * operator command), the active one, and the base generation when it holds checkpoints.
 */
export async function listGenerations(
  redis: RedisClient,
  namespace: string,
  group: string,
): Promise<ListedGeneration[]> {
  const active = await activeGeneration(redis, { namespace });
  const ids = new Set(await scanGenerationIds(redis, namespace));
  if (active !== null) ids.add(active);

  const now = Date.now();
  const listed: ListedGeneration[] = [];
  for (const id of [...ids].sort(byId)) {
    const stored = await redis.hgetall(infoKey(namespace, id));
    const info = Object.keys(stored).length === 0 ? null : (stored as unknown as GenerationInfo);
    listed.push({ id, info, role: generationRole(info, id === active, now) });
  }
  const baseHasState = (await redis.exists(keyspace(namespace).checkpoints(group))) === 1;
  if (active === null || baseHasState) {
    listed.unshift({ id: 'base', info: null, role: active === null ? 'active' : 'previous' });
  }
  return listed;
}

/** Numeric ids in numeric order, then the rest. */
function byId(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isSafeInteger(x) && Number.isSafeInteger(y)) return x - y;
  return a.localeCompare(b);
}
