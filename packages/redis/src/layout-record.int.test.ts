import { EngineError } from '@checkout/engine';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { clusterLayout, standaloneLayout } from './key-layout.ts';
import { ensureLayoutRecord, readLayoutRecord } from './layout-record.ts';
import { layoutFixture } from './test-redis.ts';

const { redisCluster } = sharedInfrastructure();
const target = { mode: 'cluster', url: redisCluster.url, seeds: redisCluster.seeds } as const;

/** The CONFIGURATION error `operation` throws (a test failure when it throws nothing). */
async function refusal(operation: () => Promise<unknown>): Promise<EngineError> {
  const error = await operation().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).code).toBe('CONFIGURATION');
  return error as EngineError;
}

describe('the layout record', () => {
  it('is written once; a changed partition count or mode is refused with the command that fixes it', async () => {
    const { redis, namespace } = await layoutFixture(target, 'layout-record', 6);
    await ensureLayoutRecord(redis, clusterLayout(namespace, 6));
    await ensureLayoutRecord(redis, clusterLayout(namespace, 6)); // the same again: fine
    expect(await readLayoutRecord(redis, namespace)).toMatchObject({
      mode: 'cluster',
      partitions: 6,
    });

    const resized = await refusal(() => ensureLayoutRecord(redis, clusterLayout(namespace, 12)));
    expect(resized.message).toContain('6');
    expect(resized.message).toContain('12');
    expect(resized.message).toMatch(/checkout-rebuild|REDIS_NAMESPACE/);

    const standalone = await refusal(() => ensureLayoutRecord(redis, standaloneLayout(namespace)));
    expect(standalone.message).toContain('REDIS_MODE');
    // Nothing was overwritten by the refused attempts.
    expect(await readLayoutRecord(redis, namespace)).toMatchObject({ partitions: 6 });
  });
});
