import { EngineError } from '@checkout/engine';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import {
  activeGeneration,
  copyCheckpoints,
  dropGeneration,
  newGenerationId,
  switchGeneration,
} from './generations.ts';
import { keyspace } from './keyspace.ts';
import { redisFixture } from './test-redis.ts';

const { redisUrl } = sharedInfrastructure();

describe('generations', () => {
  it('hands out increasing ids and starts on the base generation', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'gen-ids');
    expect(await activeGeneration(redis, { namespace })).toBeNull();
    expect(await newGenerationId(redis, { namespace })).toBe('1');
    expect(await newGenerationId(redis, { namespace })).toBe('2');
  });

  it('switches the pointer only from the generation the caller expects', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'gen-switch');
    expect(await switchGeneration(redis, { namespace, from: null, to: '1' })).toEqual({ ok: true });
    expect(await activeGeneration(redis, { namespace })).toBe('1');
    // A second rebuild that started from the base lost the race.
    expect(await switchGeneration(redis, { namespace, from: null, to: '2' })).toEqual({
      ok: false,
      actual: '1',
    });
    expect(await activeGeneration(redis, { namespace })).toBe('1');
    expect(await switchGeneration(redis, { namespace, from: '1', to: '2' })).toEqual({ ok: true });
    // Back to the base keys: the pointer is removed.
    expect(await switchGeneration(redis, { namespace, from: '2', to: null })).toEqual({ ok: true });
    expect(await redis.exists(`${namespace}:active-generation`)).toBe(0);
    await expect(switchGeneration(redis, { namespace, from: null, to: 'bad:id' })).rejects.toThrow(
      EngineError,
    );
  });

  it('drops every key of a generation, page by page, and nothing else', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'gen-drop');
    const old = keyspace(namespace, '3');
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1_234; i += 1) pipeline.set(old.snapshot(`s${i}`), '{}');
    pipeline.hset(old.checkpoints('g'), 'cart-events:0', '5');
    pipeline.set(keyspace(namespace, '30').snapshot('s1'), '{}');
    pipeline.set(keyspace(namespace).snapshot('s1'), '{}');
    await pipeline.exec();

    expect(await dropGeneration(redis, '3', { namespace })).toBe(1_235);
    expect(await redis.exists(old.snapshot('s1'), old.checkpoints('g'))).toBe(0);
    expect(
      await redis.exists(
        keyspace(namespace, '30').snapshot('s1'),
        keyspace(namespace).snapshot('s1'),
      ),
    ).toBe(2);
    expect(await dropGeneration(redis, '3', { namespace })).toBe(0);
  });

  it('refuses to drop the active generation', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'gen-drop-active');
    await redis.set(keyspace(namespace, '4').snapshot('s1'), '{}');
    await switchGeneration(redis, { namespace, from: null, to: '4' });
    await expect(dropGeneration(redis, '4', { namespace })).rejects.toMatchObject({
      code: 'CONFIGURATION',
      message: expect.stringMatching(/active/),
    });
    expect(await redis.exists(keyspace(namespace, '4').snapshot('s1'))).toBe(1);
  });

  it('copies checkpoints into a generation that has none, never over existing ones', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'gen-copy');
    await redis.hset(keyspace(namespace).checkpoints('g'), {
      'cart-events:0': '10',
      'cart-events:1': '4',
    });
    expect(await copyCheckpoints(redis, { namespace, group: 'g', from: null, to: '7' })).toBe(true);
    expect(await redis.hgetall(keyspace(namespace, '7').checkpoints('g'))).toEqual({
      'cart-events:0': '10',
      'cart-events:1': '4',
    });
    expect(await copyCheckpoints(redis, { namespace, group: 'g', from: null, to: '7' })).toBe(
      false,
    );
  });
});
