import { EngineError } from '@checkout/engine';
import { primariesOf, type RedisConnection } from './redis-connection.ts';
import { toStoreError } from './redis-errors.ts';

/**
 * Whether Redis's `maxmemory-policy` may evict the projector's keys (SPEC §5). An evicted
 * snapshot whose checkpoint remains loses that session's history; an evicted checkpoint
 * replays a partition onto snapshots that already hold it (harmless) but an evicted
 * snapshot is not, so the projector refuses such a policy at start unless the operator
 * says, with `REDIS_ALLOW_EVICTION=true`, that the loss is accepted (it is then still
 * visible: last-write-mark.ts).
 *
 * - `allkeys-*` evict any key: snapshots, marks, checkpoints.
 * - `volatile-*` evict keys with an expiry: snapshots and marks when SNAPSHOT_TTL_SECONDS > 0;
 *   with a TTL of 0 no projector key has an expiry, so they are safe.
 * - `noeviction` never evicts (writes fail with OOM instead, which the projector retries).
 * The policy is judged whatever `maxmemory` is now: `CONFIG SET maxmemory` can turn eviction on
 * at any moment.
 */
export function evictionRisk(policy: string, ttlSeconds: number): string | null {
  if (policy === 'noeviction') return null;
  if (policy.startsWith('allkeys-')) return 'it may evict any key, snapshots and checkpoints';
  if (policy.startsWith('volatile-')) {
    return ttlSeconds > 0 ? 'it may evict keys with an expiry, and snapshots have one' : null;
  }
  return 'it is not a policy this projector knows to be safe';
}

/**
 * `maxmemory_policy` from `INFO memory` (INFO, unlike CONFIG GET, is allowed on managed Redis).
 * In a cluster, of every master: the riskiest one found (one evicting master loses its shards).
 */
export async function readEvictionPolicy(redis: RedisConnection): Promise<string> {
  const policies: string[] = [];
  for (const primary of primariesOf(redis)) {
    let info: string;
    try {
      info = await primary.info('memory');
    } catch (error) {
      throw toStoreError(error, 'read maxmemory_policy (INFO memory)');
    }
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    if (policy === undefined)
      throw new EngineError('STORE_UNAVAILABLE', 'INFO memory has no maxmemory_policy line', {
        canRetry: false,
      });
    policies.push(policy);
  }
  const rank = (policy: string) =>
    policy === 'noeviction' ? 0 : policy.startsWith('volatile-') ? 1 : 2;
  return policies.reduce((worst, policy) => (rank(policy) > rank(worst) ? policy : worst));
}

/** Refuses a policy that can evict the projector's keys, naming the settings that decide. */
export async function assertNoEviction(
  redis: RedisConnection,
  options: { ttlSeconds: number; allowed: boolean },
): Promise<{ policy: string; risk: string | null }> {
  const policy = await readEvictionPolicy(redis);
  const risk = evictionRisk(policy, options.ttlSeconds);
  if (risk !== null && !options.allowed) {
    throw new EngineError(
      'CONFIGURATION',
      `REDIS_ALLOW_EVICTION: Redis maxmemory-policy is ${policy} and ${risk}, which silently ` +
        'loses sessions; set maxmemory-policy noeviction (or volatile-* with SNAPSHOT_TTL_SECONDS=0), ' +
        'or set REDIS_ALLOW_EVICTION=true to accept it (lost sessions are then marked ' +
        'meta.history_incomplete).',
      { canRetry: false, context: { policy } },
    );
  }
  return { policy, risk };
}
