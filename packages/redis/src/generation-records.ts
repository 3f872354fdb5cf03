import { generationIdsWithInfo, readGenerationInfo } from './generation-info.ts';
import { activeGeneration, layoutOfScope, type GenerationScope } from './generations.ts';
import type { RedisConnection } from './redis-connection.ts';
import { readCheckpoints } from './stored-state.ts';

export interface GenerationRecord {
  id: string;
  /** The info hash as stored; empty when the generation has none. */
  info: Readonly<Record<string, string>>;
  /** Its checkpoints of the group: logical `"<topic>:<partition>"` → next offset. */
  checkpoints: Readonly<Record<string, string>>;
}

/**
 * The active generation (null = base) and every generation with an info hash, with its
 * checkpoints, for `/status` (an operator view: SCAN on every primary, never the write path).
 */
export async function readGenerationRecords(
  redis: RedisConnection,
  scope: GenerationScope & { group: string },
): Promise<{ active: string | null; generations: GenerationRecord[] }> {
  const layout = layoutOfScope(scope);
  const active = await activeGeneration(redis, { layout });
  const ids = [...(await generationIdsWithInfo(redis, layout.namespace))].sort();
  const generations = await Promise.all(
    ids.map(async (id) => ({
      id,
      info: (await readGenerationInfo(redis, layout.namespace, id)) ?? {},
      checkpoints: Object.fromEntries(await readCheckpoints(redis, layout, id, scope.group)),
    })),
  );
  return { active, generations };
}
