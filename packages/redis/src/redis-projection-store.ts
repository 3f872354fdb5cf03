import { decodeSnapshot } from '@checkout/domain';
import {
  EngineError,
  topicPartitionKey,
  type BatchWrite,
  type CommitResult,
  type LoadedSnapshots,
  type ProjectionStore,
  type StoredSnapshot,
  type TopicPartition,
} from '@checkout/engine';
import type { Redis } from 'ioredis';
import { COMMIT_SCRIPT, commitArguments, parseCommitReply } from './commit-script.ts';
import { activeGenerationKey, DEFAULT_NAMESPACE, keyspace, type Keyspace } from './keyspace.ts';
import { corruptSnapshot, toStoreError } from './redis-errors.ts';

/**
 * Sessions per MGET when loading a batch: one round trip for the usual batch, and the most
 * documents loaded past the byte budget before the batch is split.
 */
const LOAD_CHUNK = 256;

/** Options for {@link createRedisProjectionStore}. */
export interface RedisProjectionStoreOptions {
  /** A client from `createRedisClient` (fail-fast settings). */
  redis: Redis;
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
   * rebuild switched readers away from it.
   * @default false
   */
  followActiveGeneration?: boolean;
  /** @default 'checkout' */
  namespace?: string;
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
 * The engine's {@link ProjectionStore} on one Redis.
 *
 * Why one Lua script per batch: the commit must be all or nothing (snapshots and the
 * checkpoints that say which events they contain), guarded (compare-and-set against what the
 * batch read), and cheap. MULTI/EXEC with WATCH would need a read round trip and retries;
 * the script checks and writes in one round trip, whatever the number of sessions, so a
 * batch of a few hundred events costs one load (MGET) and one commit (EVALSHA): well under
 * the 0.2 commands per event target.
 *
 * Redis Cluster: the script touches keys of many hash slots (one per session, one for the
 * checkpoint hash), which Cluster refuses (CROSSSLOT). Not implemented: this store needs a
 * standalone Redis (or a primary with replicas / Sentinel). A Cluster version would split
 * the commit per slot, writing snapshots first and checkpoints last; that stays correct
 * because every snapshot records its own offsets, so a crash between the parts replays
 * events that the written snapshots then skip. It would lose the all-or-nothing batch,
 * which is why it is not done casually.
 *
 * NOSCRIPT: ioredis' defineCommand sends EVAL the first time on each connection and EVALSHA
 * afterwards, and on NOSCRIPT (SCRIPT FLUSH, a failover to a replica) resends as EVAL. A
 * NOSCRIPT reply means the script did not run, so the resend cannot apply a batch twice.
 */
export function createRedisProjectionStore(options: RedisProjectionStoreOptions): ProjectionStore {
  const { redis, group, ttlSeconds } = options;
  const maxCommitBytes = options.maxCommitBytes ?? 64 * 1024 * 1024;
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const follow = options.followActiveGeneration ?? false;
  const pointerKey = activeGenerationKey(namespace);
  /** Where this store writes; when following, unknown until the pointer is first read. */
  let target: Keyspace | undefined = follow
    ? undefined
    : keyspace(namespace, options.generation ?? null);
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
   * Snapshots and last-write marks in one MGET: a mark without its snapshot is lost history.
   * A document that does not decode (corrupt, a newer schema_version) is reported, not thrown,
   * and never overwritten: the commit script's guard refuses any write onto it.
   */
  async function loadSnapshots(sessionIds: readonly string[]): Promise<LoadedSnapshots> {
    const keys = await currentKeys(false);
    const loaded = new Map<string, StoredSnapshot>();
    const historyGone = new Set<string>();
    const unreadable = new Map<string, string>();
    if (sessionIds.length === 0) return { snapshots: loaded, generation: keys.generation };
    let bytes = 0;
    for (let start = 0; start < sessionIds.length; start += LOAD_CHUNK) {
      // Past the byte budget the batch is stored in parts (the engine splits on BATCH_TOO_LARGE):
      // what one batch holds in memory is bounded by bytes, not only by its record count.
      if (bytes > maxCommitBytes) throw tooLargeToLoad(bytes, start, sessionIds.length);
      const chunk = sessionIds.slice(start, start + LOAD_CHUNK);
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
          loaded.set(sessionId, { order: decoded.value, version: decoded.value.meta.event_count });
        } else {
          // One bad key is not an outage: the engine parks this session's records.
          const key = keys.snapshot(sessionId);
          unreadable.set(sessionId, corruptSnapshot(sessionId, key, decoded.error).message);
        }
      });
    }
    return { snapshots: loaded, generation: keys.generation, historyGone, unreadable };
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
    if (partitions.length === 0) return loaded;
    // Resuming is where a following store moves to the generation that is active now.
    const checkpointKey = (await currentKeys(true)).checkpoints(group);
    const fields = partitions.map(({ topic, partition }) => topicPartitionKey(topic, partition));
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
    return loaded;
  }

  async function commit(write: BatchWrite): Promise<CommitResult> {
    if (write.snapshots.length === 0 && write.checkpoints.length === 0) return { ok: true };
    // Where the batch loaded from, not where the store points now: see LoadedSnapshots.
    const keys =
      write.generation === undefined
        ? await currentKeys(false)
        : keyspace(namespace, write.generation);
    const { keys: scriptKeys, args } = commitArguments(write, keys, group, ttlSeconds, follow);
    const wire = args.map(wireArgument);
    const bytes = wire.reduce((sum, argument) => sum + argument.length, 0);
    if (bytes > maxCommitBytes) {
      throw new EngineError(
        'BATCH_TOO_LARGE',
        `A commit of ${write.snapshots.length} snapshots would send ${bytes} bytes, more than ` +
          `REDIS_MAX_COMMIT_BYTES (${maxCommitBytes}); store it in smaller parts.`,
        { canRetry: false, context: { bytes, maxCommitBytes, snapshots: write.snapshots.length } },
      );
    }
    let reply: unknown;
    try {
      reply = await commitCommand(scriptKeys.length, ...scriptKeys, ...wire);
    } catch (error) {
      throw toStoreError(
        error,
        `commit ${write.snapshots.length} snapshots and ${write.checkpoints.length} checkpoints`,
        { namespace: keys.namespace, group },
      );
    }
    return parseCommitReply(reply, write);
  }

  async function currentKeys(refresh: boolean): Promise<Keyspace> {
    if (target !== undefined && !(follow && refresh)) return target;
    let generation: string | null;
    try {
      generation = await redis.get(pointerKey);
    } catch (error) {
      throw toStoreError(error, `read the active generation (${pointerKey})`, { key: pointerKey });
    }
    target = keyspace(namespace, generation);
    return target;
  }

  return { loadSnapshots, loadCheckpoints, commit };
}

type CommitCommand = (
  numberOfKeys: number,
  ...keysAndArgs: Array<string | Buffer>
) => Promise<unknown>;

/**
 * Snapshot documents go to ioredis as UTF-8 Buffers. Given strings, ioredis concatenates a
 * command's arguments into one string that the socket then encodes as a whole: for a batch of
 * snapshots (a megabyte or more, two-byte text as soon as one holds a non-Latin-1 character)
 * that was about 9 % of the projector's CPU time, about five times what encoding each document
 * on its own costs (BENCHMARKS.md).
 */
function wireArgument(argument: string): string | Buffer {
  return argument.length > 256 ? Buffer.from(argument, 'utf8') : argument;
}

/** Registers the commit script on the client once (EVALSHA with EVAL fallback). */
function defineCommit(redis: Redis): CommitCommand {
  const client = redis as Redis & { checkoutCommitV2?: CommitCommand };
  if (client.checkoutCommitV2 === undefined)
    redis.defineCommand('checkoutCommitV2', { lua: COMMIT_SCRIPT });
  const command = client.checkoutCommitV2;
  if (command === undefined) throw new Error('bug: defineCommand did not add checkoutCommitV2');
  return command.bind(redis);
}
