import { encodeSnapshot, toSnapshot, type CheckoutOrder } from '@checkout/domain';
import {
  EngineError,
  type BatchWrite,
  type CheckpointWrite,
  type SnapshotWrite,
} from '@checkout/engine';
import { onCleanup, sharedInfrastructure, startRedisServer } from '@checkout/testkit';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisClient } from './create-redis-client.ts';
import { switchGeneration } from './generations.ts';
import { keyspace } from './keyspace.ts';
import { createRedisProjectionStore } from './redis-projection-store.ts';
import { testOrder } from './test-orders.ts';
import { eventually, redisFixture } from './test-redis.ts';

const { redisUrl } = sharedInfrastructure();
const group = 'projector';

function snapshot(
  sessionId: string,
  eventCount: number,
  expectedVersion: number,
  lines = 0,
): SnapshotWrite {
  return { sessionId, order: testOrder(sessionId, eventCount, lines), expectedVersion };
}

function checkpoint(nextOffset: string, expected: string | null, partition = 0): CheckpointWrite {
  return { topic: 'cart-events', partition, nextOffset, expected };
}

async function setup(label: string, ttlSeconds = 0, generation: string | null = null) {
  const { redis, namespace } = await redisFixture(redisUrl, label);
  const store = createRedisProjectionStore({ redis, group, namespace, ttlSeconds, generation });
  return { redis, namespace, store, keys: keyspace(namespace, generation) };
}

/** A commit that wrote snapshots: ok, with the last-write mark its writes got (Redis ms). */
const WRITTEN = { ok: true, mark: expect.stringMatching(/^\d{13,16}$/) as unknown as string };

describe('RedisProjectionStore', () => {
  it('stores a batch and loads it back: snapshots with their version, checkpoints by partition', async () => {
    const { store, redis, keys } = await setup('round-trip');
    const write: BatchWrite = {
      snapshots: [snapshot('s1', 3, 0, 2), snapshot('s2', 1, 0)],
      checkpoints: [checkpoint('7', null, 0), checkpoint('2', null, 1)],
    };
    const result = await store.commit(write);
    expect(result).toEqual(WRITTEN);
    // The mark the commit returns is the one stored beside each snapshot it wrote.
    expect(await redis.get(keys.lastWrite('s1'))).toBe(result.ok ? result.mark : undefined);

    const loaded = await store.loadSnapshots(['s1', 'missing', 's2']);
    expect([...loaded.snapshots.keys()]).toEqual(['s1', 's2']);
    const stored = loaded.snapshots.get('s1');
    expect(stored).toEqual({ order: testOrder('s1', 3, 2), version: 3, bytes: expect.any(Number) });
    expect(stored?.bytes).toBe(encodeSnapshot(testOrder('s1', 3, 2)).length);
    expect(loaded.snapshots.get('s2')?.version).toBe(1);
    const checkpoints = await store.loadCheckpoints([
      { topic: 'cart-events', partition: 0 },
      { topic: 'cart-events', partition: 1 },
      { topic: 'payment-events', partition: 0 },
    ]);
    expect(checkpoints).toEqual(
      new Map([
        ['cart-events:0', '7'],
        ['cart-events:1', '2'],
      ]),
    );
    // The stored document is the published snapshot format, at the documented key.
    expect(JSON.parse((await redis.get(keys.snapshot('s1'))) ?? 'null')).toEqual(
      toSnapshot(testOrder('s1', 3, 2)),
    );
    expect(await redis.hgetall(keys.checkpoints(group))).toEqual({
      'cart-events:0': '7',
      'cart-events:1': '2',
    });
  });

  it('writes into a generation without touching the base keys', async () => {
    const { store, redis, namespace } = await setup('generation', 0, '5');
    expect(
      await store.commit({
        snapshots: [snapshot('s1', 1, 0)],
        checkpoints: [checkpoint('1', null)],
      }),
    ).toEqual(WRITTEN);
    expect(
      await redis.exists(
        `${namespace}:gen:5:order:{s1}`,
        `${namespace}:gen:5:checkpoint:{${group}}`,
      ),
    ).toBe(2);
    expect(
      await redis.exists(`${namespace}:order:{s1}`, `${namespace}:checkpoint:{${group}}`),
    ).toBe(0);
  });

  it('following the active generation: refuses to commit into one a rebuild switched away from', async () => {
    const { store: live, redis, namespace } = await setup('follow');
    const following = createRedisProjectionStore({
      redis,
      group,
      namespace,
      ttlSeconds: 0,
      followActiveGeneration: true,
    });
    const partition = [{ topic: 'cart-events', partition: 0 }];
    expect(await following.loadCheckpoints(partition)).toEqual(new Map());
    await following.commit({
      snapshots: [snapshot('s1', 1, 0)],
      checkpoints: [checkpoint('1', null)],
    });
    expect((await live.loadSnapshots(['s1'])).snapshots.get('s1')?.version).toBe(1);

    // A rebuild fills generation 9 and switches readers to it.
    const rebuilt = createRedisProjectionStore({
      redis,
      group,
      namespace,
      ttlSeconds: 0,
      generation: '9',
    });
    await rebuilt.commit({
      snapshots: [snapshot('s1', 1, 0)],
      checkpoints: [checkpoint('1', null)],
    });
    await switchGeneration(redis, { namespace, from: null, to: '9' });

    const stale = await following.loadSnapshots(['s1']);
    expect(stale.generation).toBeNull();
    expect(
      await following.commit({
        generation: stale.generation,
        snapshots: [snapshot('s1', 2, stale.snapshots.get('s1')?.version ?? 0)],
        checkpoints: [checkpoint('2', '1')],
      }),
    ).toEqual({
      ok: false,
      conflict: {
        kind: 'checkpoint',
        subject: 'active-generation',
        expected: 'base',
        actual: 'generation 9',
      },
    });
    // The engine asks where to resume: the store moves to generation 9.
    expect(await following.loadCheckpoints(partition)).toEqual(new Map([['cart-events:0', '1']]));
    expect(
      await following.commit({
        snapshots: [snapshot('s1', 2, 1)],
        checkpoints: [checkpoint('2', '1')],
      }),
    ).toEqual(WRITTEN);
    expect((await rebuilt.loadSnapshots(['s1'])).snapshots.get('s1')?.version).toBe(2);
    expect((await live.loadSnapshots(['s1'])).snapshots.get('s1')?.version).toBe(1);
  });

  it('refuses a stale consumer (zombie) on a version mismatch and writes nothing of its batch', async () => {
    const { store, redis, keys } = await setup('zombie');
    await store.commit({
      snapshots: [snapshot('s1', 2, 0)],
      checkpoints: [checkpoint('10', null)],
    });
    // The new owner of the partition moves on.
    await store.commit({
      snapshots: [snapshot('s1', 4, 2)],
      checkpoints: [checkpoint('12', '10')],
    });

    // The zombie still believes s1 is at version 2; its checkpoint guard happens to match.
    const zombie: BatchWrite = {
      snapshots: [snapshot('s-new', 1, 0), snapshot('s1', 3, 2)],
      checkpoints: [checkpoint('13', '12'), checkpoint('1', null, 1)],
    };
    expect(await store.commit(zombie)).toEqual({
      ok: false,
      conflict: { kind: 'snapshot', subject: 's1', expected: '2', actual: '4' },
    });
    expect(await redis.exists(keys.snapshot('s-new'))).toBe(0);
    expect((await store.loadSnapshots(['s1'])).snapshots.get('s1')?.version).toBe(4);
    expect(await redis.hgetall(keys.checkpoints(group))).toEqual({ 'cart-events:0': '12' });
  });

  it('refuses a zombie whose checkpoint is stale before reading any snapshot', async () => {
    const { store } = await setup('zombie-checkpoint');
    await store.commit({ snapshots: [], checkpoints: [checkpoint('10', null)] });
    await store.commit({ snapshots: [], checkpoints: [checkpoint('20', '10')] });
    expect(
      await store.commit({
        snapshots: [snapshot('s1', 1, 0)],
        checkpoints: [checkpoint('15', '10')],
      }),
    ).toEqual({
      ok: false,
      conflict: { kind: 'checkpoint', subject: 'cart-events:0', expected: '10', actual: '20' },
    });
  });

  it('reports a flushed Redis as a checkpoint conflict', async () => {
    const { store, redis, keys } = await setup('flushed');
    await store.commit({ snapshots: [snapshot('s1', 1, 0)], checkpoints: [checkpoint('5', null)] });
    // A FLUSHALL, limited to this test's keys (the server is shared).
    await redis.del(keys.snapshot('s1'), keys.checkpoints(group));

    // The engine folded the next event onto nothing (s1 reads as absent), but still believes
    // the checkpoint is 5.
    expect(
      await store.commit({
        snapshots: [snapshot('s1', 1, 0)],
        checkpoints: [checkpoint('6', '5')],
      }),
    ).toEqual({
      ok: false,
      conflict: { kind: 'checkpoint', subject: 'cart-events:0', expected: '5', actual: 'absent' },
    });
    expect(await redis.exists(keys.snapshot('s1'))).toBe(0);
  });

  it('never moves a checkpoint back', async () => {
    const { store, redis, keys } = await setup('backwards');
    await store.commit({ snapshots: [], checkpoints: [checkpoint('10', null)] });
    const result = await store.commit({
      snapshots: [snapshot('s1', 1, 0)],
      checkpoints: [checkpoint('9', '10')],
    });
    expect(result).toMatchObject({
      ok: false,
      conflict: { kind: 'checkpoint', subject: 'cart-events:0' },
    });
    expect(await redis.hget(keys.checkpoints(group), 'cart-events:0')).toBe('10');
    expect(await redis.exists(keys.snapshot('s1'))).toBe(0);
    // Offsets compare as int64 decimals, not as text and not as doubles.
    await store.commit({ snapshots: [], checkpoints: [checkpoint('9007199254740993', '10')] });
    expect(
      await store.commit({
        snapshots: [],
        checkpoints: [checkpoint('9007199254740992', '9007199254740993')],
      }),
    ).toMatchObject({ ok: false });
  });

  it('sets the TTL on every write, refreshes it, and sets none when it is 0', async () => {
    const { store, redis, keys, namespace } = await setup('ttl', 3600);
    await store.commit({ snapshots: [snapshot('s1', 1, 0)], checkpoints: [] });
    expect(await redis.ttl(keys.snapshot('s1'))).toBeGreaterThan(3590);
    await redis.expire(keys.snapshot('s1'), 10);
    await store.commit({ snapshots: [snapshot('s1', 2, 1)], checkpoints: [] });
    expect(await redis.ttl(keys.snapshot('s1'))).toBeGreaterThan(3590);

    const forever = createRedisProjectionStore({ redis, group, namespace, ttlSeconds: 0 });
    await forever.commit({
      snapshots: [snapshot('s1', 3, 2), snapshot('s2', 1, 0)],
      checkpoints: [],
    });
    expect(await redis.ttl(keys.snapshot('s1'))).toBe(-1);
    expect(await redis.ttl(keys.snapshot('s2'))).toBe(-1);
    // Checkpoints never expire.
    await store.commit({ snapshots: [], checkpoints: [checkpoint('1', null)] });
    expect(await redis.ttl(keys.checkpoints(group))).toBe(-1);
  });

  it('stamps a last-write mark in Redis time beside every snapshot, living two TTLs', async () => {
    const { store, redis, keys } = await setup('marks', 3600);
    const [seconds] = await redis.time();
    await store.commit({ snapshots: [snapshot('s1', 1, 0)], checkpoints: [] });
    const mark = Number(await redis.get(keys.lastWrite('s1')));
    expect(mark).toBeGreaterThanOrEqual(Number(seconds) * 1000);
    expect(mark).toBeLessThan((Number(seconds) + 60) * 1000);
    expect(await redis.ttl(keys.lastWrite('s1'))).toBeGreaterThan(7190);
    expect(await redis.ttl(keys.lastWrite('s1'))).toBeLessThanOrEqual(7200);
  });

  it('reports an absent snapshot whose mark remains as lost history, an unknown session as new', async () => {
    const { store, redis, keys } = await setup('history-gone', 3600);
    await store.commit({
      snapshots: [snapshot('kept', 1, 0), snapshot('expired', 1, 0)],
      checkpoints: [],
    });
    await redis.del(keys.snapshot('expired')); // what an expiry or an eviction leaves behind
    const loaded = await store.loadSnapshots(['kept', 'expired', 'new']);
    expect([...loaded.snapshots.keys()]).toEqual(['kept']);
    expect([...(loaded.historyGone ?? [])]).toEqual(['expired']);
  });

  it('refuses, before sending it, a commit larger than maxCommitBytes, writing nothing', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'max-commit');
    const keys = keyspace(namespace);
    const store = createRedisProjectionStore({
      redis,
      group,
      namespace,
      ttlSeconds: 0,
      maxCommitBytes: 2_000,
    });
    const large = { snapshots: [snapshot('s1', 1, 0, 40)], checkpoints: [checkpoint('1', null)] };
    const error = await store.commit(large).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BATCH_TOO_LARGE', context: { maxCommitBytes: 2_000 } });
    expect(await redis.exists(keys.snapshot('s1'), keys.checkpoints(group))).toBe(0);
    expect(await store.commit({ snapshots: [snapshot('s2', 1, 0)], checkpoints: [] })).toEqual(
      WRITTEN,
    );
  });

  it('refuses to load past the byte budget, once a chunk of 256 sessions is in', async () => {
    const { store, redis, namespace } = await setup('max-load');
    const ids = Array.from({ length: 300 }, (_, i) => `s${i}`);
    await store.commit({ snapshots: ids.map((id) => snapshot(id, 1, 0, 3)), checkpoints: [] });
    const small = createRedisProjectionStore({
      redis,
      group,
      namespace,
      ttlSeconds: 0,
      maxCommitBytes: 2_000,
    });
    expect((await small.loadSnapshots(ids.slice(0, 256))).snapshots.size).toBe(256);
    const error = await small.loadSnapshots(ids).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BATCH_TOO_LARGE', context: { sessions: 300 } });
  });

  it('reads the stored version of documents that are not shaped the usual way', async () => {
    const { store, redis, keys } = await setup('odd-documents');
    // A cart line named like the field, a pretty-printed document: the script falls back to
    // cjson.decode and still finds meta.event_count.
    const base = testOrder('s1', 5);
    const named: CheckoutOrder = {
      ...base,
      cart: {
        lines: [
          { sku: 'event_count', name: '"event_count":99,', quantity: 1, unit_price_cents: 1 },
        ],
      },
    };
    await redis.set(keys.snapshot('s1'), encodeSnapshot(named));
    await redis.set(keys.snapshot('s2'), JSON.stringify(toSnapshot(testOrder('s2', 7)), null, 2));

    expect(await store.commit({ snapshots: [snapshot('s1', 6, 4)], checkpoints: [] })).toEqual({
      ok: false,
      conflict: { kind: 'snapshot', subject: 's1', expected: '4', actual: '5' },
    });
    expect(
      await store.commit({ snapshots: [snapshot('s2', 8, 6)], checkpoints: [] }),
    ).toMatchObject({
      conflict: { actual: '7' },
    });
    expect(
      await store.commit({
        snapshots: [snapshot('s1', 6, 5), snapshot('s2', 8, 7)],
        checkpoints: [],
      }),
    ).toEqual(WRITTEN);
    // A foreign field ahead of meta with a key of the same name: not mistaken for meta's.
    await redis.set(
      keys.snapshot('s4'),
      JSON.stringify({ extra: { event_count: 1 }, ...toSnapshot(testOrder('s4', 9)) }),
    );
    expect((await store.loadSnapshots(['s4'])).snapshots.get('s4')?.version).toBe(9);
    expect(await store.commit({ snapshots: [snapshot('s4', 10, 9)], checkpoints: [] })).toEqual(
      WRITTEN,
    );
    await redis.set(keys.snapshot('s3'), '{"not":"a snapshot"}');
    expect(
      await store.commit({ snapshots: [snapshot('s3', 1, 0)], checkpoints: [] }),
    ).toMatchObject({
      conflict: { subject: 's3', actual: 'unreadable' },
    });
  });

  it('reports a corrupt or newer snapshot beside the others, naming the key and the repair command', async () => {
    const { store, redis, keys } = await setup('corrupt');
    await redis.set(keys.snapshot('bad'), '{"schema_version":1,"session_id":');
    await redis.set(
      keys.snapshot('future'),
      JSON.stringify({ ...toSnapshot(testOrder('future', 1)), schema_version: 99 }),
    );
    await store.commit({ snapshots: [snapshot('ok', 1, 0)], checkpoints: [] });
    const loaded = await store.loadSnapshots(['ok', 'bad', 'future']);
    expect([...loaded.snapshots.keys()]).toEqual(['ok']);
    expect([...(loaded.unreadable?.keys() ?? [])]).toEqual(['bad', 'future']);
    for (const id of ['bad', 'future']) {
      const message = loaded.unreadable?.get(id) ?? '';
      expect(message).toContain(keys.snapshot(id));
      expect(message).toContain(`checkout-rebuild --session ${id}`);
    }
    expect(loaded.unreadable?.get('future')).toMatch(/newer version/);
  });

  it('fails without retry, writing nothing, when a key holds another type', async () => {
    const { store, redis, keys } = await setup('wrongtype');
    await redis.hset(keys.snapshot('s2'), 'field', 'value');
    const error = await store
      .commit({
        snapshots: [snapshot('s1', 1, 0), snapshot('s2', 1, 0)],
        checkpoints: [checkpoint('1', null)],
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', canRetry: false });
    expect((error as Error).message).toMatch(/WRONGTYPE/);
    expect(await redis.exists(keys.snapshot('s1'), keys.checkpoints(group))).toBe(0);
  });

  it('makes no round trip for an empty write or an empty load', async () => {
    // A client that never connected: any command would fail at once.
    const redis = createRedisClient('redis://127.0.0.1:1');
    onCleanup(() => redis.disconnect());
    const store = createRedisProjectionStore({ redis, group, ttlSeconds: 0 });
    expect(await store.commit({ snapshots: [], checkpoints: [] })).toEqual({ ok: true });
    expect(await store.loadSnapshots([])).toEqual({ snapshots: new Map(), generation: null });
    expect(await store.loadCheckpoints([])).toEqual(new Map());
    await expect(
      store.commit({ snapshots: [], checkpoints: [checkpoint('1', null)] }),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      canRetry: true,
    });
  });
});

describe('RedisProjectionStore on a Redis of its own', () => {
  it('still commits after SCRIPT FLUSH (NOSCRIPT: EVALSHA falls back to EVAL)', async () => {
    const server = await startRedisServer();
    onCleanup(() => server.stop());
    const { store, redis } = await setupOn(server.url, 'noscript');
    await store.commit({ snapshots: [snapshot('s1', 1, 0)], checkpoints: [checkpoint('1', null)] });
    await redis.script('FLUSH');
    expect(
      await store.commit({
        snapshots: [snapshot('s1', 2, 1)],
        checkpoints: [checkpoint('2', '1')],
      }),
    ).toEqual(WRITTEN);
    // Applied exactly once: a second application would have failed its guards.
    expect((await store.loadSnapshots(['s1'])).snapshots.get('s1')?.version).toBe(2);
    // The NOSCRIPT really happened (and was answered by EVAL).
    expect(await redis.info('errorstats')).toMatch(/errorstat_NOSCRIPT:count=1\b/);
  });

  it('fails with retryable errors while Redis is down and works again after it restarts', async () => {
    const server = await startRedisServer({ persistence: 'aof' });
    onCleanup(() => server.stop());
    const { store } = await setupOn(server.url, 'restart');
    await store.commit({ snapshots: [snapshot('s1', 1, 0)], checkpoints: [checkpoint('1', null)] });

    await server.kill();
    const started = Date.now();
    for (const attempt of [
      () =>
        store.commit({ snapshots: [snapshot('s1', 2, 1)], checkpoints: [checkpoint('2', '1')] }),
      () => store.loadSnapshots(['s1']),
      () => store.loadCheckpoints([{ topic: 'cart-events', partition: 0 }]),
    ]) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EngineError);
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', canRetry: true });
    }
    expect(Date.now() - started).toBeLessThan(1_000);

    await server.restart();
    // The AOF kept the acknowledged commit; the client reconnected by itself; the script is
    // loaded again on the new connection.
    const loaded = await eventually(() => store.loadSnapshots(['s1']));
    expect(loaded.snapshots.get('s1')?.version).toBe(1);
    expect(
      await store.commit({
        snapshots: [snapshot('s1', 2, 1)],
        checkpoints: [checkpoint('2', '1')],
      }),
    ).toEqual(WRITTEN);
  });

  it('rejects a commit in flight when the connection drops, instead of leaving it pending', async () => {
    // Regression for redis/ioredis#2193 (5.11): with autoResendUnfulfilledCommands off and
    // maxRetriesPerRequest 1, a command in flight when the connection dropped was never
    // settled if the first reconnect succeeded, and the projector would hang on that batch.
    const server = await startRedisServer();
    onCleanup(() => server.stop());
    const { redis, namespace } = await redisFixture(server.url, 'in-flight', {
      commandTimeoutMs: 0, // only the connection drop may end the commit
      connectionName: 'store-under-test',
    });
    const store = createRedisProjectionStore({ redis, group, namespace, ttlSeconds: 0 });
    const { redis: admin } = await redisFixture(server.url, 'in-flight-admin');
    await admin.client('PAUSE', 10_000, 'WRITE');
    const settled = store.commit({ snapshots: [snapshot('s1', 1, 0)], checkpoints: [] }).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The connection drops; the server stays up, so the first reconnect succeeds.
    await admin.call('CLIENT', 'KILL', 'ID', String(await clientId(admin, 'store-under-test')));
    await admin.client('UNPAUSE');
    const outcome = await Promise.race([
      settled,
      new Promise((resolve) => setTimeout(() => resolve('still pending'), 2_000)),
    ]);
    expect(outcome).toMatchObject({ code: 'STORE_UNAVAILABLE', canRetry: true });
    // It never ran (the server was paused), and the store works on the new connection.
    const loaded = await eventually(() => store.loadSnapshots(['s1']));
    expect(loaded.snapshots).toEqual(new Map());
    expect(await store.commit({ snapshots: [snapshot('s1', 1, 0)], checkpoints: [] })).toEqual(
      WRITTEN,
    );
  });

  it('detects a Redis that restarted empty', async () => {
    const server = await startRedisServer({ persistence: 'none' });
    onCleanup(() => server.stop());
    const { store } = await setupOn(server.url, 'amnesia');
    await store.commit({ snapshots: [snapshot('s1', 1, 0)], checkpoints: [checkpoint('1', null)] });
    await server.restart();
    const result = await eventually(() =>
      store.commit({ snapshots: [snapshot('s1', 2, 0)], checkpoints: [checkpoint('2', '1')] }),
    );
    expect(result).toEqual({
      ok: false,
      conflict: { kind: 'checkpoint', subject: 'cart-events:0', expected: '1', actual: 'absent' },
    });
  });
});

async function setupOn(url: string, label: string) {
  const { redis, namespace } = await redisFixture(url, label, {
    reconnect: { baseMs: 20, capMs: 200 },
  });
  return { redis, store: createRedisProjectionStore({ redis, group, namespace, ttlSeconds: 0 }) };
}

async function clientId(admin: Redis, name: string): Promise<number> {
  const list = String(await admin.client('LIST'));
  const line = list.split('\n').find((entry) => entry.includes(` name=${name} `));
  const id = /\bid=(\d+)/.exec(line ?? '')?.[1];
  if (id === undefined) throw new Error(`no client named ${name} in CLIENT LIST`);
  return Number(id);
}
