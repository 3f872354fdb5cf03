import {
  decodeSnapshot,
  emptyTotals,
  getTotals,
  positionKey,
  toSnapshot,
  type CheckoutOrder,
  type CheckoutSnapshot,
  type CheckoutTotals,
  type DomainConfig,
} from '@checkout/domain';
import { standaloneLayout, type KeyLayout } from './key-layout.ts';
import {
  DEFAULT_READ_TIMEOUT_MS,
  normalisePositions,
  waitUntilApplied,
  type PendingPosition,
  type ReadOptions,
} from './read-your-writes.ts';
import {
  checkVersion,
  snapshotVersion,
  type SnapshotVersion,
  type TotalsCheck,
  type Versioned,
} from './snapshot-version.ts';
import { DEFAULT_NAMESPACE } from './keyspace.ts';
import { readLayoutRecord } from './layout-record.ts';
import { isCluster, type RedisConnection } from './redis-connection.ts';
import { corruptSnapshot, toStoreError } from './redis-errors.ts';

/** Options for {@link createCheckoutReader}. */
export interface CheckoutReaderOptions {
  /** Any ioredis client or cluster client; `createRedisClient` gives fail-fast settings. */
  redis: RedisConnection;
  /** @default 'checkout' */
  namespace?: string;
  /**
   * The key layout. By default: standalone on a `Redis` client; on a `Cluster` client, the
   * layout recorded in `<ns>:layout` (read once it exists, then kept: it never changes).
   * @default from the client, as above
   */
  layout?: KeyLayout;
  /** Currency of the empty totals of an unknown session. @default DEFAULT_DOMAIN_CONFIG */
  config?: Partial<DomainConfig>;
  /**
   * The projector's consumer group (KAFKA_GROUP_ID), whose checkpoints `atLeast` waits on.
   * @default 'checkout-projector'
   */
  group?: string;
  /** KAFKA_TOPIC_PREFIX: `atLeast` then also takes physical topic names. @default '' */
  topicPrefix?: string;
}

/**
 * Every read takes {@link ReadOptions}: with `atLeast`, it first waits until the projection
 * applied those positions (read-your-writes) and rejects with `NotCaughtUpError` when the
 * timeout passes first.
 */
export interface CheckoutReader {
  /** The stored snapshot, or null for an unknown (or expired) session. */
  getOrder(sessionId: string, options?: ReadOptions): Promise<CheckoutSnapshot | null>;
  /** The session's totals; an unknown session reads as empty totals (zeros, status `open`). */
  getTotals(sessionId: string, options?: ReadOptions): Promise<CheckoutTotals>;
  /** The snapshot with its version (snapshot-version.ts); version null for an unknown session. */
  readOrder(sessionId: string, options?: ReadOptions): Promise<Versioned<CheckoutSnapshot | null>>;
  /** The totals with the version of the snapshot they come from. */
  readTotals(sessionId: string, options?: ReadOptions): Promise<Versioned<CheckoutTotals>>;
  /**
   * For finalising an order: are the totals shown at `expected` (null: shown for an unknown
   * session) still current? Answers with the current totals and version either way.
   */
  getTotalsIfVersion(
    sessionId: string,
    expected: SnapshotVersion | null,
    options?: ReadOptions,
  ): Promise<TotalsCheck<CheckoutTotals>>;
}

/**
 * Reads the projection the way any reader must (key layout in keyspace.ts and
 * cluster-keyspace.ts): the session's shard (in a cluster its murmur2 partition, from the
 * partition count in `<ns>:layout`), the shard's active-generation pointer, then the snapshot
 * under it.
 *
 * The pointer is read on every call, not cached: one extra GET (tens of microseconds on the
 * server) buys a switch that every reader sees at the same instant. With a cache, two pods,
 * or two calls of one request, could disagree for the cache's lifetime.
 *
 * Errors are rejections with an `EngineError`, never a throw elsewhere: `CORRUPT_SNAPSHOT`
 * for a document that does not decode (`canRetry: false`), `STORE_UNAVAILABLE` when Redis is
 * unreachable (`canRetry: true`), so an HTTP layer maps them to 500 and 503.
 */
export function createCheckoutReader(options: CheckoutReaderOptions): CheckoutReader {
  const { redis } = options;
  const namespace = options.layout?.namespace ?? options.namespace ?? DEFAULT_NAMESPACE;
  let layout: KeyLayout | null =
    options.layout ?? (isCluster(redis) ? null : standaloneLayout(namespace));

  const group = options.group ?? 'checkout-projector';

  async function loadOrder(
    sessionId: string,
    wait: ReadOptions = {},
  ): Promise<{ order: CheckoutOrder; version: SnapshotVersion } | null> {
    if (wait.atLeast !== undefined && wait.atLeast.length > 0) {
      const positions = normalisePositions(wait.atLeast, options.topicPrefix);
      await waitUntilApplied(positions, wait.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS, checkpointOf);
    }
    // No layout recorded in a cluster: no projector has written this namespace yet.
    layout ??= await readLayoutRecord(redis, namespace);
    if (layout === null) return null;
    const shard = layout.shardOfSession(sessionId);
    let generation = await readPointer(layout, shard);
    let read = await readSnapshot(layout, shard, generation, sessionId);
    if (read.text === null) {
      // The generation may have been switched away from and dropped between the two GETs.
      const current = await readPointer(layout, shard);
      if (current !== generation) {
        generation = current;
        read = await readSnapshot(layout, shard, generation, sessionId);
      }
    }
    if (read.text === null) return null;
    const decoded = decodeSnapshot(read.text);
    if (!decoded.ok) throw corruptSnapshot(sessionId, read.key, decoded.error);
    return { order: decoded.value, version: snapshotVersion(read.text) };
  }

  /** The checkpoint of the position's partition in the live generation of its shard. */
  async function checkpointOf(position: PendingPosition): Promise<string | null> {
    layout ??= await readLayoutRecord(redis, namespace);
    if (layout === null) return null;
    const shard = layout.shardOfPartition(position.partition);
    const key = layout.keys(shard, await readPointer(layout, shard)).checkpoints(group);
    try {
      return await redis.hget(key, positionKey(position));
    } catch (error) {
      throw toStoreError(error, `read ${key}`, { key });
    }
  }

  async function readOrder(sessionId: string, read?: ReadOptions) {
    const loaded = await loadOrder(sessionId, read);
    return loaded === null
      ? { value: null, version: null }
      : { value: toSnapshot(loaded.order), version: loaded.version };
  }

  async function readTotals(sessionId: string, read?: ReadOptions) {
    const loaded = await loadOrder(sessionId, read);
    return loaded === null
      ? { value: emptyTotals(sessionId, options.config), version: null }
      : { value: getTotals(loaded.order), version: loaded.version };
  }

  async function readPointer(keys: KeyLayout, shard: number): Promise<string | null> {
    const pointerKey = keys.keys(shard, null).activeGeneration;
    try {
      return await redis.get(pointerKey);
    } catch (error) {
      throw toStoreError(error, `read the active generation (${pointerKey})`, { key: pointerKey });
    }
  }

  async function readSnapshot(
    keys: KeyLayout,
    shard: number,
    generation: string | null,
    sessionId: string,
  ) {
    const key = keys.keys(shard, generation).snapshot(sessionId);
    try {
      return { key, text: await redis.get(key) };
    } catch (error) {
      throw toStoreError(error, `read ${key}`, { key });
    }
  }

  return {
    getOrder: async (sessionId, read) => (await readOrder(sessionId, read)).value,
    getTotals: async (sessionId, read) => (await readTotals(sessionId, read)).value,
    readOrder,
    readTotals,
    getTotalsIfVersion: async (sessionId, expected, read) =>
      checkVersion(await readTotals(sessionId, read), expected),
  };
}
