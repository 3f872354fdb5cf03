import { decodeSnapshot } from '@checkout/domain';
import {
  EngineError,
  topicPartitionKey,
  type BatchWrite,
  type CheckpointWrite,
  type CommitResult,
  type LoadedSnapshots,
  type ProjectionStore,
  type SnapshotWrite,
  type StoredSnapshot,
  type TopicPartition,
} from '@checkout/engine';
import { defineCommit, wireArgument } from './commit-command.ts';
import { commitArguments, parseCommitReply } from './commit-script.ts';
import { standaloneLayout, type KeyLayout } from './key-layout.ts';
import { DEFAULT_NAMESPACE, type Keyspace } from './keyspace.ts';
import type { RedisConnection } from './redis-connection.ts';
import { corruptSnapshot, toStoreError } from './redis-errors.ts';

/**
 * Sessions per MGET when loading a batch: one round trip for the usual batch, and the most
 * documents loaded past the byte budget before the batch is split.
 */
const LOAD_CHUNK = 256;

/** Options for {@link createRedisProjectionStore}. */
export interface RedisProjectionStoreOptions {
  /** A client from `createRedisClient` or `createRedisClusterClient` (fail-fast settings). */
  redis: RedisConnection;
  /** Consumer group: names the checkpoint hash. */
  group: string;
  /**
   * The generation to write: `checkout-rebuild` writes a new one while readers read the
   * active one. Ignored with `followActiveGeneration`.
   * @default null (the base keys)
   */
  generation?: string | null;
  /**
   * Write whichever generation is active (the live projector): the pointer is read when the
   * engine asks where to resume, and every commit is refused with a conflict if the pointer
   * moved since (the engine then asks again and resumes from the new generation's
   * checkpoints). Without it, a projector keeps writing the generation it started on after a
   * rebuild switched readers away from it. In a cluster every partition number has its own
   * pointer, followed on its own.
   * @default false
   */
  followActiveGeneration?: boolean;
  /** @default 'checkout' (ignored when `layout` is given: it names the namespace) */
  namespace?: string;
  /**
   * Where the keys live: `standaloneLayout(namespace)` or, on a Redis Cluster,
   * `clusterLayout(namespace, partitions)` (key-layout.ts).
   * @default standaloneLayout(namespace)
   */
  layout?: KeyLayout;
  /** Snapshot TTL, refreshed on every write; 0 = never expire (SNAPSHOT_TTL_SECONDS). */
  ttlSeconds: number;
  /**
   * Most bytes one commit sends (REDIS_MAX_COMMIT_BYTES). A commit is one script that Redis runs
   * while every other client waits, and whose arguments both sides hold in memory; a larger one
   * is refused before it is sent with `BATCH_TOO_LARGE`, and the engine stores the batch in
   * parts. @default 67108864 (64 MiB)
   */
  maxCommitBytes?: number;
}

/**
 * The engine's {@link ProjectionStore} on one Redis or a Redis Cluster.
 *
 * Why one Lua script per batch: the commit must be all or nothing (snapshots and the
 * checkpoints that say which events they contain), guarded (compare-and-set against what the
 * batch read), and cheap. MULTI/EXEC with WATCH would need a read round trip and retries;
 * the script checks and writes in one round trip, whatever the number of sessions, so a
 * batch of a few hundred events costs one load (MGET) and one commit (EVALSHA): well under
 * the 0.2 commands per event target.
 *
 * Shards (key-layout.ts): a standalone Redis is one shard, so a batch is one script. In a
 * cluster a shard is one partition number's hash tag, and a batch of the Kafka source holds one
 * partition number, so it is still one MGET and one script. A batch spanning several partition
 * numbers (another source) is committed shard by shard, each part all or nothing with the
 * checkpoints of exactly its sessions: a conflict in a later part leaves the earlier ones
 * stored, and the engine, re-reading every checkpoint of the batch, resumes each partition
 * from what is stored. A session whose murmur2 partition is not one of the batch's (a
 * producer with another partitioner) is refused: its snapshot would live apart from the
 * checkpoint that says what it holds, and readers would look for it elsewhere.
 *
 * NOSCRIPT: ioredis' defineCommand sends EVAL the first time on each connection and EVALSHA
 * afterwards, and on NOSCRIPT (SCRIPT FLUSH, a failover to a replica) resends as EVAL. A
 * NOSCRIPT reply means the script did not run, so the resend cannot apply a batch twice. A
 * cluster client also resends on MOVED, ASK, TRYAGAIN and CLUSTERDOWN (the script did not
 * run) and after a connection closed during a failover (it may have run: the resend then
 * fails its checkpoint guard, and the engine re-reads where to resume).
 */
export function createRedisProjectionStore(options: RedisProjectionStoreOptions): ProjectionStore {
  const { redis, group, ttlSeconds } = options;
  const maxCommitBytes = options.maxCommitBytes ?? 64 * 1024 * 1024;
  const layout = options.layout ?? standaloneLayout(options.namespace ?? DEFAULT_NAMESPACE);
  const follow = options.followActiveGeneration ?? false;
  const fixedGeneration = follow ? undefined : (options.generation ?? null);
  /** Where a following store writes, per shard; learnt from the shard's pointer. */
  const followed = new Map<number, string | null>();
  const commitCommand = defineCommit(redis);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 0) {
    throw new EngineError(
      'CONFIGURATION',
      `SNAPSHOT_TTL_SECONDS must be a whole number ≥ 0, got ${ttlSeconds}.`,
      {
        canRetry: false,
        context: { ttlSeconds },
      },
    );
  }

  /**
   * Snapshots and last-write marks in one MGET per shard: a mark without its snapshot is lost
   * history. A document that does not decode (corrupt, a newer schema_version) is reported,
   * not thrown, and never overwritten: the commit script's guard refuses any write onto it.
   */
  async function loadSnapshots(sessionIds: readonly string[]): Promise<LoadedSnapshots> {
    const loaded = new Map<string, StoredSnapshot>();
    // A load without sessions: its commit holds only checkpoints, which go wherever the store
    // points when it commits (commitParts).
    if (sessionIds.length === 0) return { snapshots: loaded, generation: fixedGeneration ?? null };
    const historyGone = new Set<string>();
    const unreadable = new Map<string, string>();
    const byShard = groupBy(sessionIds, (id) => layout.shardOfSession(id));
    let generation: string | null | undefined;
    let bytes = 0;
    let done = 0;
    for (const [shard, ids] of byShard) {
      const keys = await keysOf(shard, false);
      generation ??= keys.generation;
      for (let start = 0; start < ids.length; start += LOAD_CHUNK) {
        // Past the byte budget the batch is stored in parts (the engine splits on BATCH_TOO_LARGE):
        // what one batch holds in memory is bounded by bytes, not only by its record count.
        if (bytes > maxCommitBytes) throw tooLargeToLoad(bytes, done, sessionIds.length);
        const chunk = ids.slice(start, start + LOAD_CHUNK);
        done += chunk.length;
        let values: Array<string | null>;
        try {
          values = await redis.mget([
            ...chunk.map((id) => keys.snapshot(id)),
            ...chunk.map((id) => keys.lastWrite(id)),
          ]);
        } catch (error) {
          throw toStoreError(error, `load ${chunk.length} snapshots`, {
            namespace: keys.namespace,
          });
        }
        chunk.forEach((sessionId, index) => {
          const text = values[index];
          if (text == null) {
            if (values[chunk.length + index] != null) historyGone.add(sessionId);
            return;
          }
          bytes += text.length;
          const decoded = decodeSnapshot(text);
          if (decoded.ok) {
            loaded.set(sessionId, {
              order: decoded.value,
              version: decoded.value.meta.event_count,
              bytes: text.length,
            });
          } else {
            // One bad key is not an outage: the engine parks this session's records.
            const key = keys.snapshot(sessionId);
            unreadable.set(sessionId, corruptSnapshot(sessionId, key, decoded.error).message);
          }
        });
      }
    }
    return { snapshots: loaded, generation: generation ?? null, historyGone, unreadable };
  }

  /** The batch's documents outgrow the budget: an estimate of their size, for the split. */
  function tooLargeToLoad(bytes: number, loadedSessions: number, sessions: number): EngineError {
    const estimate = Math.round((bytes / loadedSessions) * sessions);
    return new EngineError(
      'BATCH_TOO_LARGE',
      `The snapshots of a batch of ${sessions} sessions hold about ${estimate} bytes, more than ` +
        `REDIS_MAX_COMMIT_BYTES (${maxCommitBytes}); store it in smaller parts.`,
      { canRetry: false, context: { bytes: estimate, maxCommitBytes, sessions } },
    );
  }

  async function loadCheckpoints(
    partitions: readonly TopicPartition[],
  ): Promise<Map<string, string>> {
    const loaded = new Map<string, string>();
    const byShard = groupBy(partitions, ({ partition }) => layout.shardOfPartition(partition));
    for (const [shard, shardPartitions] of byShard) {
      // Resuming is where a following store moves to the generation that is active now.
      const checkpointKey = (await keysOf(shard, true)).checkpoints(group);
      const fields = shardPartitions.map(({ topic, partition }) =>
        topicPartitionKey(topic, partition),
      );
      let values: Array<string | null>;
      try {
        values = await redis.hmget(checkpointKey, ...fields);
      } catch (error) {
        throw toStoreError(error, `load checkpoints from ${checkpointKey}`, { key: checkpointKey });
      }
      fields.forEach((field, index) => {
        const value = values[index];
        if (value != null) loaded.set(field, value);
      });
    }
    return loaded;
  }

  async function commit(write: BatchWrite): Promise<CommitResult> {
    if (write.snapshots.length === 0 && write.checkpoints.length === 0) return { ok: true };
    const parts = await commitParts(write);
    const bytes = parts.reduce((sum, part) => sum + part.bytes, 0);
    if (bytes > maxCommitBytes) {
      throw new EngineError(
        'BATCH_TOO_LARGE',
        `A commit of ${write.snapshots.length} snapshots would send ${bytes} bytes, more than ` +
          `REDIS_MAX_COMMIT_BYTES (${maxCommitBytes}); store it in smaller parts.`,
        { canRetry: false, context: { bytes, maxCommitBytes, snapshots: write.snapshots.length } },
      );
    }
    const marks = new Set<string | undefined>();
    for (const part of parts) {
      let reply: unknown;
      try {
        reply = await commitCommand(part.keys.length, ...part.keys, ...part.args);
      } catch (error) {
        throw toStoreError(
          error,
          `commit ${part.write.snapshots.length} snapshots and ${part.write.checkpoints.length} checkpoints`,
          { namespace: layout.namespace, group },
        );
      }
      const result = parseCommitReply(reply, part.write);
      if (!result.ok) return result;
      marks.add(result.mark);
    }
    // One mark for the whole commit, or none: the engine keeps what carries one.
    const [mark] = marks;
    return marks.size === 1 && mark !== undefined ? { ok: true, mark } : { ok: true };
  }

  /** One script per shard the batch touches, with its keys and wire arguments. */
  async function commitParts(write: BatchWrite) {
    const shards = new Map<
      number,
      { snapshots: SnapshotWrite[]; checkpoints: CheckpointWrite[] }
    >();
    const partOf = (shard: number) => {
      let part = shards.get(shard);
      if (part === undefined) shards.set(shard, (part = { snapshots: [], checkpoints: [] }));
      return part;
    };
    for (const checkpoint of write.checkpoints)
      partOf(layout.shardOfPartition(checkpoint.partition)).checkpoints.push(checkpoint);
    for (const snapshot of write.snapshots) {
      const shard = layout.shardOfSession(snapshot.sessionId);
      if (write.checkpoints.length > 0 && !shards.has(shard))
        throw foreignPartitioner(snapshot.sessionId, shard, write.checkpoints);
      partOf(shard).snapshots.push(snapshot);
    }
    const parts = [];
    for (const [shard, part] of shards) {
      // Where the batch loaded from, not where the store points now: see LoadedSnapshots.
      const keys =
        part.snapshots.length > 0 && write.generation !== undefined
          ? layout.keys(shard, write.generation)
          : await keysOf(shard, false);
      const { keys: scriptKeys, args } = commitArguments(part, keys, group, ttlSeconds, follow);
      const wire = args.map(wireArgument);
      const bytes = wire.reduce((sum, argument) => sum + argument.length, 0);
      parts.push({ write: part, keys: scriptKeys, args: wire, bytes });
    }
    return parts;
  }

  async function keysOf(shard: number, refresh: boolean): Promise<Keyspace> {
    if (fixedGeneration !== undefined) return layout.keys(shard, fixedGeneration);
    const known = followed.get(shard);
    if (known !== undefined && !refresh) return layout.keys(shard, known);
    const pointerKey = layout.keys(shard, null).activeGeneration;
    let generation: string | null;
    try {
      generation = await redis.get(pointerKey);
    } catch (error) {
      throw toStoreError(error, `read the active generation (${pointerKey})`, { key: pointerKey });
    }
    followed.set(shard, generation);
    return layout.keys(shard, generation);
  }

  return { loadSnapshots, loadCheckpoints, commit };
}

function groupBy<T>(items: readonly T[], shardOf: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const shard = shardOf(item);
    const group = groups.get(shard);
    if (group === undefined) groups.set(shard, [item]);
    else group.push(item);
  }
  return groups;
}

/** A session outside every partition of its batch: its producer does not partition by murmur2. */
function foreignPartitioner(
  sessionId: string,
  shard: number,
  checkpoints: readonly CheckpointWrite[],
): EngineError {
  const partitions = [...new Set(checkpoints.map(({ partition }) => partition))].join(', ');
  return new EngineError(
    'CONFIGURATION',
    `A session whose key hashes (murmur2) to partition ${shard} arrived on partition ` +
      `${partitions}: its producer does not use Kafka's default partitioner. Redis Cluster mode ` +
      'keeps each session under its murmur2 partition, where readers look for it; fix the ' +
      'producer (the Java/kafkajs default partitioner), or use a standalone Redis.',
    { canRetry: false, context: { shard, partitions, sessionIdLength: sessionId.length } },
  );
}
