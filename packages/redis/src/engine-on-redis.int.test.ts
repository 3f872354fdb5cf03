import {
  createProjectionEngine,
  topicNames,
  type DeadLetterSink,
  type SourceRecord,
} from '@checkout/engine';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { createCheckoutReader } from './checkout-reader.ts';
import { switchGeneration } from './generations.ts';
import { partitionForKey } from './partition-for-key.ts';
import { replaceSnapshot } from './replace-snapshot.ts';
import {
  createRedisProjectionStore,
  type RedisProjectionStoreOptions,
} from './redis-projection-store.ts';
import { layoutFixture, type StoreTarget } from './test-redis.ts';

/**
 * The engine's contract end to end on Redis, standalone and Cluster: what the in-memory store
 * promises (SPEC §6), this store must keep: a redelivered batch changes nothing, and a stale
 * consumer after a rebalance is refused and told where to resume. Records sit on their
 * session's murmur2 partition of 6, as a Kafka producer puts them (s1 and s2: partition 3).
 */
const { redisUrl, redisCluster } = sharedInfrastructure();
const targets: StoreTarget[] = [
  { mode: 'standalone', url: redisUrl },
  { mode: 'cluster', url: redisCluster.url, seeds: redisCluster.seeds },
];
const topics = topicNames();
const noDeadLetters: DeadLetterSink = { publish: () => Promise.resolve() };

function itemAdded(sessionId: string, offset: number): SourceRecord {
  const envelope = {
    event_id: `${sessionId}-e${offset}`,
    event_name: 'cart.item_added',
    aggregate_id: sessionId,
    occurred_at: '2026-11-01T10:00:00Z',
    payload: { sku: `SKU-${offset}`, quantity: 1, unit_price_cents: 100 },
  };
  return {
    topic: 'cart-events',
    partition: partitionForKey(sessionId, 6),
    offset: String(offset),
    key: Buffer.from(sessionId),
    value: Buffer.from(JSON.stringify(envelope)),
    headers: {},
    timestamp: '1700000000000',
  };
}

describe.each(targets)('the projection engine on the Redis store ($mode)', (target) => {
  async function setup(label: string) {
    const { redis, layout } = await layoutFixture(target, label);
    const engine = (store: Partial<RedisProjectionStoreOptions> = {}) =>
      createProjectionEngine({
        store: createRedisProjectionStore({ redis, group: 'g', layout, ttlSeconds: 60, ...store }),
        deadLetters: noDeadLetters,
        topics,
      });
    return { engine, redis, layout, reader: createCheckoutReader({ redis, layout }) };
  }

  it('applies a batch once, even when it is delivered again', async () => {
    const { engine, reader } = await setup('engine-redeliver');
    const projector = engine();
    const batch = [itemAdded('s1', 0), itemAdded('s2', 1), itemAdded('s1', 2)];
    expect(await projector.processBatch(batch)).toEqual({
      kind: 'committed',
      next: [{ topic: 'cart-events', partition: 3, offset: '3' }],
    });
    // A restarted projector that resumes behind the checkpoint.
    expect(await engine().processBatch(batch)).toMatchObject({ kind: 'committed' });
    expect((await reader.getTotals('s1')).item_count).toBe(2);
    expect((await reader.getOrder('s1'))?.meta).toMatchObject({
      event_count: 2,
      offsets: { 'cart-events:3': '2' },
    });
  });

  it('refuses a zombie after a rebalance and tells it where the new owner got to', async () => {
    const { engine, reader } = await setup('engine-zombie');
    const zombie = engine();
    const owner = engine();
    const partition = [{ topic: 'cart-events', partition: 3 }];
    // Both believe they own the partition, from the same stored position.
    await zombie.resumePositions(partition);
    await owner.resumePositions(partition);
    expect(await owner.processBatch([itemAdded('s1', 0), itemAdded('s1', 1)])).toMatchObject({
      kind: 'committed',
    });

    const outcome = await zombie.processBatch([itemAdded('s1', 0)]);
    expect(outcome).toMatchObject({
      kind: 'conflict',
      conflict: { kind: 'checkpoint', subject: 'cart-events:3', expected: 'absent', actual: '2' },
    });
    if (outcome.kind === 'conflict') expect(outcome.resume.get('cart-events:3')).toBe('2');
    expect((await reader.getOrder('s1'))?.meta.event_count).toBe(2);
  });

  /**
   * The engine keeps the sessions it wrote for the next wave (kept-sessions.ts), so no load
   * re-reads them; a repair by `checkout-rebuild --session` that keeps the event count (a
   * fold fixed) is seen by the last-write mark and is never written over.
   */
  it('folds onto the sessions it wrote without loading them, and never over a repair', async () => {
    const { redis, layout, reader } = await setup('engine-kept');
    const store = createRedisProjectionStore({ redis, group: 'g', layout, ttlSeconds: 60 });
    const loads: string[][] = [];
    const load = store.loadSnapshots.bind(store);
    store.loadSnapshots = async (ids) => {
      if (ids.length > 0) loads.push([...ids]);
      return load(ids);
    };
    const projector = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    await projector.processBatch([itemAdded('s1', 0), itemAdded('s2', 1)]);
    await projector.processBatch([itemAdded('s1', 2)]);
    expect(loads).toEqual([['s1', 's2']]);
    expect((await reader.getOrder('s1'))?.meta.event_count).toBe(2);

    const stored = await redis.get(layout.keys(layout.shardOfSession('s2'), null).snapshot('s2'));
    const order = (await reader.getOrder('s2'))!;
    const repaired = {
      ...order,
      cart: { ...order.cart, lines: order.cart.lines.map((line) => ({ ...line, name: 'fixed' })) },
    };
    expect(
      await replaceSnapshot(redis, {
        layout,
        generation: null,
        sessionId: 's2',
        expected: stored,
        order: repaired,
        ttlSeconds: 60,
      }),
    ).toEqual({ ok: true });
    expect(await projector.processBatch([itemAdded('s2', 3)])).toMatchObject({
      kind: 'conflict',
      conflict: { kind: 'snapshot', subject: 's2' },
    });
    expect(await projector.processBatch([itemAdded('s2', 3)])).toMatchObject({
      kind: 'committed',
    });
    expect(loads.slice(1)).toEqual([['s2']]);
    expect((await reader.getOrder('s2'))?.meta.event_count).toBe(2);
    expect((await reader.getOrder('s2'))?.cart.lines[0]?.name).toBe('fixed');
  });

  it('keeps the live projector going through a blue/green rebuild', async () => {
    const { engine, reader, redis, layout } = await setup('engine-blue-green');
    const live = engine({ followActiveGeneration: true });
    await live.processBatch([itemAdded('s1', 0), itemAdded('s1', 1)]);

    // The rebuild replays from offset 0 into generation 2, catching up to offset 1, and
    // switches readers over; meanwhile the live projector has applied offset 2 to the base.
    const rebuild = engine({ generation: '2' });
    await rebuild.processBatch([itemAdded('s1', 0), itemAdded('s1', 1)]);
    await live.processBatch([itemAdded('s1', 2)]);
    expect(await switchGeneration(redis, { layout, from: null, to: '2' })).toEqual({ ok: true });
    expect((await reader.getOrder('s1'))?.meta.event_count).toBe(2);

    // The live projector's next commit is refused; it resumes from generation 2's checkpoint.
    const refused = await live.processBatch([itemAdded('s1', 3)]);
    expect(refused).toMatchObject({ kind: 'conflict', conflict: { subject: 'active-generation' } });
    if (refused.kind === 'conflict') expect(refused.resume.get('cart-events:3')).toBe('2');
    expect(await live.processBatch([itemAdded('s1', 2), itemAdded('s1', 3)])).toMatchObject({
      kind: 'committed',
      next: [{ offset: '4' }],
    });
    expect((await reader.getOrder('s1'))?.meta).toMatchObject({
      event_count: 4,
      offsets: { 'cart-events:3': '3' },
    });
  });
});

describe('the projection engine on the Redis Cluster store', () => {
  /**
   * A producer with another partitioner puts a session on a partition that is not its murmur2
   * one; in a cluster its snapshot would then live apart from the checkpoint that says what it
   * holds, under a tag no reader looks at. The store refuses the batch as a configuration
   * error (the projector stops, naming the cause) and writes nothing.
   */
  it('refuses a session that arrived on another partition than its murmur2 one', async () => {
    const target = targets[1];
    if (target === undefined) throw new Error('bug: no cluster target');
    const { redis, layout } = await layoutFixture(target, 'engine-foreign-partitioner');
    const engine = createProjectionEngine({
      store: createRedisProjectionStore({ redis, group: 'g', layout, ttlSeconds: 60 }),
      deadLetters: noDeadLetters,
      topics,
    });
    const misplaced = { ...itemAdded('s1', 0), partition: 0 }; // s1 hashes to partition 3 of 6
    await expect(engine.processBatch([misplaced])).rejects.toMatchObject({
      code: 'CONFIGURATION',
      canRetry: false,
      message: expect.stringMatching(/hashes \(murmur2\) to partition 3 arrived on partition 0/),
    });
    expect(await redis.exists(layout.keys(3, null).snapshot('s1'))).toBe(0);
  });
});
