import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { switchGenerationWhenCaughtUp } from './caught-up-switch.ts';
import { activeGeneration, switchGeneration } from './generations.ts';
import { keyspace } from './keyspace.ts';
import { redisFixture } from './test-redis.ts';

const { redisUrl } = sharedInfrastructure();
const partitions = ['cart-events:0', 'cart-events:1', 'payment-events:0'];

describe('switchGenerationWhenCaughtUp', () => {
  it('switches only when the new generation is at or past the live one on every partition', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'caught-up-switch');
    const live = keyspace(namespace).checkpoints('g');
    const next = keyspace(namespace, '7').checkpoints('g');
    await redis.hset(live, { 'cart-events:0': '100', 'cart-events:1': '9' });
    await redis.hset(next, { 'cart-events:0': '99', 'cart-events:1': '10' });

    const change = { namespace, group: 'g', from: null, to: '7', partitions };
    expect(await switchGenerationWhenCaughtUp(redis, change)).toEqual({
      ok: false,
      reason: 'behind',
      partition: 'cart-events:0',
      target: '99',
      live: '100',
    });
    expect(await activeGeneration(redis, { namespace })).toBeNull();

    // Decimal comparison, not text: "100" > "99"; a partition without a live checkpoint is free.
    await redis.hset(next, 'cart-events:0', '100');
    expect(await switchGenerationWhenCaughtUp(redis, change)).toEqual({ ok: true });
    expect(await activeGeneration(redis, { namespace })).toBe('7');
  });

  it('reports a missing checkpoint in the new generation as behind', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'caught-up-switch-missing');
    await redis.hset(keyspace(namespace, '3').checkpoints('g'), 'payment-events:0', '5');
    expect(
      await switchGenerationWhenCaughtUp(redis, {
        namespace,
        group: 'g',
        from: '3',
        to: '4',
        partitions,
      }),
    ).toMatchObject({ ok: false, reason: 'pointer-moved', actual: null });
    await switchGeneration(redis, { namespace, from: null, to: '3' });
    expect(
      await switchGenerationWhenCaughtUp(redis, {
        namespace,
        group: 'g',
        from: '3',
        to: '4',
        partitions,
      }),
    ).toEqual({
      ok: false,
      reason: 'behind',
      partition: 'payment-events:0',
      target: null,
      live: '5',
    });
  });

  it('refuses when the pointer no longer names the generation the caller replaced, and switches back to base', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'caught-up-switch-moved');
    await switchGeneration(redis, { namespace, from: null, to: '2' });
    const stale = { namespace, group: 'g', from: '1', to: '3', partitions };
    expect(await switchGenerationWhenCaughtUp(redis, stale)).toEqual({
      ok: false,
      reason: 'pointer-moved',
      actual: '2',
    });
    expect(await switchGenerationWhenCaughtUp(redis, { ...stale, from: '2', to: null })).toEqual({
      ok: true,
    });
    expect(await redis.exists(`${namespace}:active-generation`)).toBe(0);
  });
});
