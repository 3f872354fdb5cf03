import { alterTopicConfig, sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';
import { projectorHarness } from '@checkout/projector/testing';

describe('event topics with cleanup.policy=compact', () => {
  it('are refused at start by the projector and by checkout-rebuild, unless explicitly allowed', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('compacted-topics', {
      brokers: kafkaBrokers,
      redisUrl,
    });
    const cart = harness.topics.toPhysical('cart-events');
    await alterTopicConfig(kafkaBrokers, cart, { 'cleanup.policy': 'compact' });

    const refused = await harness.start({}, { waitUntilReady: false });
    const exit = await refused.exited;
    expect(exit.code, refused.output.join('\n')).toBe(2);
    const lines = refused.output.filter((line) => line.includes('cleanup.policy=compact'));
    expect(lines, refused.output.join('\n')).toHaveLength(1);
    expect(lines[0]).toContain(cart);
    expect(lines[0]).toContain('KAFKA_ALLOW_COMPACTED_TOPICS');

    const rebuild = await runRebuildCli(rebuildEnv(harness), [
      '--from-offset',
      'earliest',
      '--yes',
    ]);
    expect(rebuild.code).toBe(2);
    expect(rebuild.stderr).toContain(`${cart} (cleanup.policy=compact)`);

    // The operator's explicit yes.
    const allowed = await harness.start({ KAFKA_ALLOW_COMPACTED_TOPICS: 'true' });
    expect(allowed.child.exitCode).toBeNull();
    const status = await runRebuildCli(
      rebuildEnv(harness, { KAFKA_ALLOW_COMPACTED_TOPICS: 'true' }),
      ['status'],
    );
    expect(status.code, status.stderr).toBe(0);
  });
});
