import {
  decodeSnapshot,
  emptyTotals,
  getTotals,
  toSnapshot,
  type CheckoutOrder,
  type CheckoutSnapshot,
  type CheckoutTotals,
  type DomainConfig,
} from '@checkout/domain';
import type { Redis } from 'ioredis';
import { activeGenerationKey, DEFAULT_NAMESPACE, keyspace } from './keyspace.ts';
import { corruptSnapshot, toStoreError } from './redis-errors.ts';

/** Options for {@link createCheckoutReader}. */
export interface CheckoutReaderOptions {
  /** Any ioredis client; `createRedisClient` gives fail-fast settings. */
  redis: Redis;
  /** @default 'checkout' */
  namespace?: string;
  /** Currency of the empty totals of an unknown session. @default DEFAULT_DOMAIN_CONFIG */
  config?: Partial<DomainConfig>;
}

export interface CheckoutReader {
  /** The stored snapshot, or null for an unknown (or expired) session. */
  getOrder(sessionId: string): Promise<CheckoutSnapshot | null>;
  /** The session's totals; an unknown session reads as empty totals (zeros, status `open`). */
  getTotals(sessionId: string): Promise<CheckoutTotals>;
}

/**
 * Reads the projection the way any reader must (key layout in keyspace.ts): the active
 * generation pointer, then the snapshot under it.
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
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const pointerKey = activeGenerationKey(namespace);

  async function loadOrder(sessionId: string): Promise<CheckoutOrder | null> {
    let generation = await readPointer();
    let read = await readSnapshot(generation, sessionId);
    if (read.text === null) {
      // The generation may have been switched away from and dropped between the two GETs.
      const current = await readPointer();
      if (current !== generation) {
        generation = current;
        read = await readSnapshot(generation, sessionId);
      }
    }
    if (read.text === null) return null;
    const decoded = decodeSnapshot(read.text);
    if (!decoded.ok) throw corruptSnapshot(sessionId, read.key, decoded.error);
    return decoded.value;
  }

  async function readPointer(): Promise<string | null> {
    try {
      return await redis.get(pointerKey);
    } catch (error) {
      throw toStoreError(error, `read the active generation (${pointerKey})`, { key: pointerKey });
    }
  }

  async function readSnapshot(generation: string | null, sessionId: string) {
    const key = keyspace(namespace, generation).snapshot(sessionId);
    try {
      return { key, text: await redis.get(key) };
    } catch (error) {
      throw toStoreError(error, `read ${key}`, { key });
    }
  }

  return {
    async getOrder(sessionId) {
      const order = await loadOrder(sessionId);
      return order === null ? null : toSnapshot(order);
    },
    async getTotals(sessionId) {
      const order = await loadOrder(sessionId);
      return order === null ? emptyTotals(sessionId, options.config) : getTotals(order);
    },
  };
}
