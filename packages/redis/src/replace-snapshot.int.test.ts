import { initialCheckoutOrder } from '@checkout/domain';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { switchGeneration } from './generations.ts';
import { keyspace } from './keyspace.ts';
import { replaceSnapshot } from './replace-snapshot.ts';
import { redisFixture } from './test-redis.ts';

const { redisUrl } = sharedInfrastructure();

describe('replaceSnapshot', () => {
  it('writes only over the exact document read, in the generation still active', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'replace-snapshot');
    const key = keyspace(namespace).snapshot('s1');
    const order = initialCheckoutOrder('s1');
    const write = { namespace, generation: null, sessionId: 's1', order, ttlSeconds: 60 };

    expect(await replaceSnapshot(redis, { ...write, expected: null })).toEqual({ ok: true });
    const written = await redis.get(key);
    expect(JSON.parse(written!)).toMatchObject({ session_id: 's1', schema_version: 1 });
    expect(await redis.ttl(key)).toBeGreaterThan(50);
    const mark = keyspace(namespace).lastWrite('s1');
    expect(Number(await redis.get(mark))).toBeGreaterThan(0); // a repair is a write too
    expect(await redis.ttl(mark)).toBeGreaterThan(110);
    // Absent was expected, but it exists now.
    expect(await replaceSnapshot(redis, { ...write, expected: null })).toEqual({
      ok: false,
      reason: 'changed',
    });

    // A corrupt document is replaced when it is exactly what the caller read.
    await redis.set(key, '{"not json');
    expect(await replaceSnapshot(redis, { ...write, expected: written })).toEqual({
      ok: false,
      reason: 'changed',
    });
    expect(
      await replaceSnapshot(redis, { ...write, expected: '{"not json', ttlSeconds: 0 }),
    ).toEqual({ ok: true });
    expect(await redis.ttl(key)).toBe(-1);
  });

  it('refuses when readers were switched to another generation', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'replace-snapshot-moved');
    await switchGeneration(redis, { namespace, from: null, to: '5' });
    const write = {
      namespace,
      sessionId: 's1',
      expected: null,
      order: initialCheckoutOrder('s1'),
      ttlSeconds: 0,
    };
    expect(await replaceSnapshot(redis, { ...write, generation: null })).toEqual({
      ok: false,
      reason: 'generation-moved',
      actual: '5',
    });
    expect(await redis.exists(keyspace(namespace).snapshot('s1'))).toBe(0);
    expect(await replaceSnapshot(redis, { ...write, generation: '5' })).toEqual({ ok: true });
    expect(await redis.exists(keyspace(namespace, '5').snapshot('s1'))).toBe(1);
  });
});
