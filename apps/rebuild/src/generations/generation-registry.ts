import { hostname } from 'node:os';
import { FOLD_VERSION } from '@checkout/domain';
import {
  activeGeneration,
  generationIdsWithInfo,
  readCheckpoints,
  readGenerationInfo,
  writeGenerationInfo,
  type KeyLayout,
} from '@checkout/redis';
import type { RedisClient } from '../redis-client.ts';
import { generationRole, type GenerationInfo, type GenerationRole } from './generation-role.ts';

/**
 * The CLI's bookkeeping of generations, `<ns>:gen:<id>:info` (generation-info.ts in
 * @checkout/redis, fields of GenerationInfo), written when a rebuild takes an id and kept up
 * to date while it runs; `dropGeneration` removes it with the generation's keys.
 */
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
  await writeGenerationInfo(redis, namespace, id, { ...full });
}

export async function updateGeneration(
  redis: RedisClient,
  namespace: string,
  id: string,
  fields: Partial<GenerationInfo>,
): Promise<void> {
  await writeGenerationInfo(redis, namespace, id, {
    heartbeat_at: new Date().toISOString(),
    ...definedFields(fields),
  });
}

/** What the CLI recorded about generation `id`; null when nothing. */
export async function generationInfo(
  redis: RedisClient,
  namespace: string,
  id: string,
): Promise<GenerationInfo | null> {
  return (await readGenerationInfo(redis, namespace, id)) as GenerationInfo | null;
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
  layout: KeyLayout,
  group: string,
): Promise<ListedGeneration[]> {
  const { namespace } = layout;
  const active = await activeGeneration(redis, { layout });
  const ids = await generationIdsWithInfo(redis, namespace);
  if (active !== null) ids.add(active);

  const now = Date.now();
  const listed: ListedGeneration[] = [];
  for (const id of [...ids].sort(byId)) {
    const info = await generationInfo(redis, namespace, id);
    listed.push({ id, info, role: generationRole(info, id === active, now) });
  }
  const baseHasState = (await readCheckpoints(redis, layout, null, group)).size > 0;
  if (active === null || baseHasState) {
    listed.unshift({ id: 'base', info: null, role: active === null ? 'active' : 'previous' });
  }
  return listed;
}

function definedFields(fields: Partial<GenerationInfo>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** Numeric ids in numeric order, then the rest. */
function byId(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isSafeInteger(x) && Number.isSafeInteger(y)) return x - y;
  return a.localeCompare(b);
}
