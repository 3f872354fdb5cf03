import { EngineError } from '@checkout/engine';
import { clusterKeyspace, partitionTag } from './cluster-keyspace.ts';
import { DEFAULT_NAMESPACE, generationKeyPattern, keyspace, type Keyspace } from './keyspace.ts';
import { partitionForKey } from './partition-for-key.ts';

/**
 * Where every key of one projection lives, in either layout. A *shard* is the unit that one
 * script may touch: the whole keyspace on a standalone Redis (shard 0), one partition
 * number's hash tag in a cluster (cluster-keyspace.ts). The store, the reader and the
 * generation tools are written once against shards; only this choice differs.
 */
export interface KeyLayout {
  readonly mode: 'standalone' | 'cluster';
  readonly namespace: string;
  /** The partition count the keys are laid out for; null in standalone, where it plays no part. */
  readonly partitions: number | null;
  /** Every shard: `[0]` standalone, `0 … partitions-1` in a cluster. */
  readonly shards: readonly number[];
  /** The shard holding a session's keys. */
  shardOfSession(sessionId: string): number;
  /** The shard holding the checkpoints of a topic partition (logical or physical, same number). */
  shardOfPartition(partition: number): number;
  /** The keys of one generation (null = base) in one shard. */
  keys(shard: number, generation: string | null): Keyspace;
  /** Every key of generation `id`, in every shard: a SCAN pattern and the exact test behind it. */
  generationKeys(id: string): KeyPattern;
  /** Every snapshot key of a generation: a SCAN pattern, and the session id of a match. */
  snapshotKeys(generation: string | null): KeyPattern & { sessionOf(key: string): string | null };
}

export interface KeyPattern {
  /** SCAN MATCH glob; may match more than it should (a session id is any text). */
  pattern: string;
  /** Whether a key the glob matched really is one of these. */
  matches(key: string): boolean;
}

/** The layout of a standalone Redis (or primary with replicas): keyspace.ts, one shard. */
export function standaloneLayout(namespace: string = DEFAULT_NAMESPACE): KeyLayout {
  keyspace(namespace); // validates the name
  return {
    mode: 'standalone',
    namespace,
    partitions: null,
    shards: [0],
    shardOfSession: () => 0,
    shardOfPartition: () => 0,
    keys: (_shard, generation) => keyspace(namespace, generation),
    generationKeys: (id) => ({ pattern: generationKeyPattern(namespace, id), matches: () => true }),
    snapshotKeys(generation) {
      const prefix = keyspace(namespace, generation).snapshot('').slice(0, -1);
      return {
        pattern: `${prefix}*}`,
        matches: (key) => key.startsWith(prefix) && key.endsWith('}'),
        sessionOf: (key) =>
          key.startsWith(prefix) && key.endsWith('}') ? key.slice(prefix.length, -1) : null,
      };
    },
  };
}

/** The layout of a Redis Cluster for topics of `partitions` partitions: cluster-keyspace.ts. */
export function clusterLayout(namespace: string, partitions: number): KeyLayout {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a whole number ≥ 1, got ${partitions}`);
  }
  clusterKeyspace(namespace, 0); // validates the name
  const shards = Array.from({ length: partitions }, (_, partition) => partition);
  const tagPrefix = `{${namespace}:p`;
  /** The partition number of a key of this namespace, or null. */
  const shardOfKey = (key: string): number | null => {
    if (!key.startsWith(tagPrefix)) return null;
    const end = key.indexOf('}', tagPrefix.length);
    const digits = key.slice(tagPrefix.length, end);
    const shard = /^(?:0|[1-9][0-9]{0,5})$/.test(digits) ? Number(digits) : NaN;
    return end > 0 && shard < partitions ? shard : null;
  };
  const rootOf = (shard: number, generation: string | null) =>
    generation === null
      ? partitionTag(namespace, shard)
      : `${partitionTag(namespace, shard)}:gen:${generation}`;
  return {
    mode: 'cluster',
    namespace,
    partitions,
    shards,
    shardOfSession: (sessionId) => partitionForKey(sessionId, partitions),
    shardOfPartition(partition) {
      if (partition < partitions) return partition;
      throw partitionCountChanged(namespace, partitions, partition + 1);
    },
    keys: (shard, generation) => clusterKeyspace(namespace, shard, generation),
    generationKeys(id) {
      clusterKeyspace(namespace, 0, id); // validates the id
      return {
        pattern: `${tagPrefix}*}:gen:${id}:*`,
        matches(key) {
          const shard = shardOfKey(key);
          return shard !== null && key.startsWith(`${rootOf(shard, id)}:`);
        },
      };
    },
    snapshotKeys(generation) {
      const suffix = generation === null ? ':order:' : `:gen:${generation}:order:`;
      const sessionOf = (key: string): string | null => {
        const shard = shardOfKey(key);
        const prefix = shard === null ? null : `${rootOf(shard, generation)}:order:`;
        return prefix !== null && key.startsWith(prefix) ? key.slice(prefix.length) : null;
      };
      return {
        pattern: `${tagPrefix}*}${suffix}*`,
        matches: (key) => sessionOf(key) !== null,
        sessionOf,
      };
    },
  };
}

/**
 * The topics' partition count is not the one the cluster keys were laid out for: every
 * session's tag would change, so nothing may be written until the projection is rebuilt.
 */
export function partitionCountChanged(
  namespace: string,
  laidOutFor: number,
  topicsHave: number,
): EngineError {
  return new EngineError(
    'CONFIGURATION',
    `Redis Cluster keys of namespace ${namespace} are laid out for ${laidOutFor} partitions ` +
      `(${namespace}:layout), but the topics have ${topicsHave}: every session's hash tag ` +
      'depends on the partition count. Refusing to write. Rebuild into a new namespace, ' +
      '`REDIS_NAMESPACE=<new> checkout-rebuild --from-offset earliest --yes`, then point the ' +
      'projectors and readers at it (REDIS_NAMESPACE=<new>) and drop the old keys.',
    { canRetry: false, context: { namespace, laidOutFor, topicsHave } },
  );
}
