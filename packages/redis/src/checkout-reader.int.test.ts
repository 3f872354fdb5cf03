import { emptyTotals, encodeSnapshot, getTotals, toSnapshot } from '@checkout/domain';
import { EngineError } from '@checkout/engine';
import { onCleanup, sharedInfrastructure, startRedisServer } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { createCheckoutReader } from './checkout-reader.ts';
import { dropGeneration, switchGeneration } from './generations.ts';
import { clusterLayout } from './key-layout.ts';
import { activeGenerationKey, keyspace } from './keyspace.ts';
import { ensureLayoutRecord } from './layout-record.ts';
import { partitionForKey } from './partition-for-key.ts';
import { testOrder } from './test-orders.ts';
import { layoutFixture, redisFixture } from './test-redis.ts';

const { redisUrl, redisCluster } = sharedInfrastructure();

describe('CheckoutReader', () => {
  it('reads an unknown session as null and as empty totals in the configured currency', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'reader-unknown');
    const reader = createCheckoutReader({ redis, namespace, config: { currency: 'EUR' } });
    expect(await reader.getOrder('nobody')).toBeNull();
    expect(await reader.getTotals('nobody')).toEqual(emptyTotals('nobody', { currency: 'EUR' }));
    expect((await reader.getTotals('nobody')).currency).toBe('EUR');
  });

  it('reads a stored session: the snapshot and its totals', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'reader-base');
    const order = testOrder('s1', 4, 3);
    await redis.set(keyspace(namespace).snapshot('s1'), encodeSnapshot(order));
    const reader = createCheckoutReader({ redis, namespace });
    expect(await reader.getOrder('s1')).toEqual(toSnapshot(order));
    expect(await reader.getTotals('s1')).toEqual(getTotals(order));
    expect((await reader.getTotals('s1')).item_count).toBeGreaterThan(0);
  });

  it('follows a generation switch: every read sees the old or the new projection, never a gap', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'reader-switch');
    const blue = testOrder('s1', 3, 1);
    const green = testOrder('s1', 9, 2);
    await redis.set(keyspace(namespace).snapshot('s1'), encodeSnapshot(blue));
    await redis.set(keyspace(namespace, '1').snapshot('s1'), encodeSnapshot(green));
    const reader = createCheckoutReader({ redis, namespace });
    expect((await reader.getOrder('s1'))?.meta.event_count).toBe(3);

    const seen: Array<number | null> = [];
    let switched = false;
    const readLoop = (async () => {
      while (!switched || seen.at(-1) !== 9)
        seen.push((await reader.getOrder('s1'))?.meta.event_count ?? null);
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await switchGeneration(redis, { namespace, from: null, to: '1' })).toEqual({ ok: true });
    // Readers stop reading the base generation at once, so it can go.
    await redis.del(keyspace(namespace).snapshot('s1'));
    switched = true;
    await readLoop;

    const firstGreen = seen.indexOf(9);
    expect(firstGreen).toBeGreaterThan(0);
    expect(seen.slice(0, firstGreen).every((count) => count === 3)).toBe(true);
    expect(seen.slice(firstGreen).every((count) => count === 9)).toBe(true);
    expect((await reader.getTotals('s1')).item_count).toBe(getTotals(green).item_count);
  });

  it.each([
    ['generation 1', '1'],
    ['the base generation', null],
  ])('reads the new generation when %s is dropped between its two GETs', async (_, from) => {
    const { redis, namespace } = await redisFixture(redisUrl, 'reader-drop');
    await redis.set(keyspace(namespace, from).snapshot('s1'), encodeSnapshot(testOrder('s1', 1)));
    await redis.set(keyspace(namespace, '2').snapshot('s1'), encodeSnapshot(testOrder('s1', 2)));
    if (from !== null) await switchGeneration(redis, { namespace, from: null, to: from });
    // Right after the reader read the pointer, a rebuild switches to 2 and drops the old one.
    let raced = false;
    const racing = new Proxy(redis, {
      get(target, property) {
        if (property === 'get') {
          return async (key: string) => {
            const value = await target.get(key);
            if (key === activeGenerationKey(namespace) && !raced) {
              raced = true;
              await switchGeneration(target, { namespace, from, to: '2' });
              if (from === null) await target.del(keyspace(namespace).snapshot('s1'));
              else await dropGeneration(target, from, { namespace });
            }
            return value;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const reader = createCheckoutReader({ redis: racing, namespace });
    expect((await reader.getOrder('s1'))?.meta.event_count).toBe(2);
    expect(raced).toBe(true);
  });

  it('rejects a corrupt document with a typed error instead of crashing the caller', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'reader-corrupt');
    await redis.set(keyspace(namespace).snapshot('s1'), 'not json');
    const reader = createCheckoutReader({ redis, namespace });
    const error = await reader.getTotals('s1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: 'CORRUPT_SNAPSHOT',
      canRetry: false,
      context: { sessionId: 's1' },
    });
    await expect(reader.getOrder('s1')).rejects.toThrow(/checkout-rebuild --session s1/);
  });

  it('rejects with a retryable error while Redis is down', async () => {
    const server = await startRedisServer();
    onCleanup(() => server.stop());
    const { redis, namespace } = await redisFixture(server.url, 'reader-down');
    const reader = createCheckoutReader({ redis, namespace });
    await server.kill();
    await expect(reader.getTotals('s1')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      canRetry: true,
    });
  });
});

describe('CheckoutReader on a Redis Cluster', () => {
  const target = { mode: 'cluster', url: redisCluster.url, seeds: redisCluster.seeds } as const;

  it('reads nothing before a projector recorded the layout, then finds sessions by murmur2', async () => {
    const { redis, namespace, layout } = await layoutFixture(target, 'reader-cluster', 6);
    const reader = createCheckoutReader({ redis, namespace });
    expect(await reader.getOrder('s1')).toBeNull();

    await ensureLayoutRecord(redis, layout);
    const order = testOrder('s1', 4, 3);
    // Where a PHP reader would look: `{<ns>:p<murmur2 % 6>}:order:s1`.
    const key = `{${namespace}:p${partitionForKey('s1', 6)}}:order:s1`;
    await redis.set(key, encodeSnapshot(order));
    expect(await reader.getOrder('s1')).toEqual(toSnapshot(order));
    expect(await reader.getTotals('s1')).toEqual(getTotals(order));
  });

  it("follows the pointer of the session's own partition, and only that one", async () => {
    const { redis, namespace, layout } = await layoutFixture(target, 'reader-cluster-switch', 6);
    await ensureLayoutRecord(redis, layout);
    const [s3, s0] = ['s1', 's6']; // partitions 3 and 0 of 6
    for (const [id, shard] of [
      [s3, 3],
      [s0, 0],
    ] as const) {
      expect(layout.shardOfSession(id)).toBe(shard);
      await redis.set(layout.keys(shard, null).snapshot(id), encodeSnapshot(testOrder(id, 1)));
      await redis.set(layout.keys(shard, '5').snapshot(id), encodeSnapshot(testOrder(id, 5)));
    }
    await redis.set(layout.keys(3, null).activeGeneration, '5');
    const reader = createCheckoutReader({ redis, namespace });
    expect((await reader.getOrder(s3))?.meta.event_count).toBe(5);
    expect((await reader.getOrder(s0))?.meta.event_count).toBe(1);
    expect(clusterLayout(namespace, 6).keys(3, null).activeGeneration).toBe(
      `{${namespace}:p3}:active-generation`,
    );
  });
});
