import { connectRedis, findFreePort, onCleanup, startRedisServer } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { spawnProjector } from './testing/projector-process.ts';

/**
 * SPEC §5: an eviction policy that can evict the projector's keys is refused at start unless
 * explicitly allowed. Embedded source, real Redis store: the check runs before any event.
 */
describe('checkout-projector and Redis maxmemory-policy', () => {
  it('refuses a policy that can evict its keys (exit 2, one line naming the setting) unless allowed', async () => {
    const server = await startRedisServer();
    onCleanup(() => server.stop());
    const admin = connectRedis(server.url);
    const run = async (policy: string, env: Record<string, string>) => {
      await admin.config('SET', 'maxmemory-policy', policy);
      const port = await findFreePort();
      const projector = spawnProjector({
        REDIS_URL: server.url,
        HTTP_PORT: String(port),
        DEMO_EVENTS_PER_SECOND: '0',
        ...env,
      });
      onCleanup(async () => {
        projector.kill('SIGKILL');
        await projector.exited;
      });
      return { projector, port };
    };

    for (const [policy, ttl] of [
      ['allkeys-lru', '0'],
      ['allkeys-lfu', '3600'],
      ['volatile-lru', '3600'],
    ] as const) {
      const { projector } = await run(policy, { SNAPSHOT_TTL_SECONDS: ttl });
      expect((await projector.exited).code, projector.output.join('\n')).toBe(2);
      const refusal = projector.output.filter((line) => line.includes('maxmemory-policy'));
      expect(refusal).toHaveLength(1);
      expect(refusal[0]).toMatch(
        new RegExp(`^checkout-projector: Invalid configuration: REDIS_ALLOW_EVICTION: .*${policy}`),
      );
    }

    // Safe: noeviction, and volatile-* when no projector key has an expiry.
    for (const [policy, ttl] of [
      ['noeviction', '3600'],
      ['volatile-ttl', '0'],
    ] as const) {
      const { projector, port } = await run(policy, { SNAPSHOT_TTL_SECONDS: ttl });
      await projector.waitUntilReady(port);
      projector.kill('SIGTERM');
      expect((await projector.exited).code).toBe(0);
    }

    // Allowed explicitly: starts, and says what it accepted in one warning.
    const { projector, port } = await run('allkeys-lru', { REDIS_ALLOW_EVICTION: 'true' });
    await projector.waitUntilReady(port);
    expect(
      projector.output.filter((line) => line.includes('REDIS_ALLOW_EVICTION=true')),
    ).toHaveLength(1);
  });
});
