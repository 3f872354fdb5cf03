import { onCleanup, sharedInfrastructure, startRedisServer } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { produceInBackground } from './testing/background-producer.ts';
import { expectStateEqualsFold, storedProgress } from './testing/expect-fold.ts';
import { describeGroup } from './testing/group-members.ts';
import { logLines, tail, waitUntil } from './testing/probes.ts';
import { produceStream } from './testing/produce-stream.ts';
import { FAST_GROUP_ENV, projectorHarness } from './testing/projector-harness.ts';

const streamShape = { duplicateRate: 0.02, unknownRate: 0.01, poisonRate: 0.01 };
/** Writes are held at least this long: past FAST_GROUP_ENV's 6 s session timeout. */
const MIN_PAUSE_MS = 8_000;

/**
 * Issue: Redis slower than the session timeout (CLIENT PAUSE WRITE: reads answer, writes wait
 * in the server) while the group rebalances. The members' commits sit in Redis' queue, their
 * clients give up after the command timeout and retry, and a third member takes partitions
 * over meanwhile. When Redis resumes, it runs the queued commits in order: a stale one lands
 * only if its compare-and-set still holds (then it is exactly the next state), every other
 * is refused, and the state equals the fold.
 */
describe('checkout-projector when Redis is slower than the session timeout', () => {
  it('refuses every stale write once Redis resumes, through a rebalance, and ends equal to the fold', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const redis = await startRedisServer();
    onCleanup(() => redis.stop());
    const harness = await projectorHarness(
      'slow-redis',
      { brokers: kafkaBrokers, redisUrl: redis.url },
      3,
      FAST_GROUP_ENV,
    );
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 97,
      records: 3000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    const producer = produceInBackground(kafkaBrokers, harness.topics, {
      seed: 98,
      sessionPrefix: 'live-',
      recordsPerSecond: 400,
      ...streamShape,
    });
    const members = [await harness.start(), await harness.start()];
    await waitUntil(async () => (await storedProgress(harness)) >= 3000, 'progress', 60_000);

    // Held until the group has rebalanced onto a third member, and past the session timeout:
    // the pause ends when we say, so the rebalance always happens inside it.
    const pausedAt = Date.now();
    await harness.redis.call('CLIENT', 'PAUSE', '90000', 'WRITE');
    let rebalancedMs = 0;
    let pausedMs = 0;
    try {
      members.push(await harness.start({}, { waitUntilReady: false }));
      await waitUntil(
        async () => {
          const group = await describeGroup(harness);
          return group.state === 'Stable' && group.members.size === 3;
        },
        'the rebalance onto a third member while Redis holds every write',
        60_000,
      );
      rebalancedMs = Date.now() - pausedAt;
      await waitUntil(
        () => Date.now() - pausedAt > MIN_PAUSE_MS,
        'the session timeout',
        MIN_PAUSE_MS + 1000,
      );
      pausedMs = Date.now() - pausedAt;
    } finally {
      await harness.redis.call('CLIENT', 'UNPAUSE');
    }

    await producer.stop();
    const figures = await expectStateEqualsFold(harness, { timeoutMs: 120_000 });
    for (const member of members) expect(member.child.exitCode, tail(member)).toBeNull();
    const refused = members.reduce(
      (sum, member) => sum + logLines(member, 'guarded write refused').length,
      0,
    );
    console.info(
      `slow-redis: writes held ${pausedMs} ms, the group rebalanced onto 3 members ${rebalancedMs} ms ` +
        `into it; ${refused} stale writes refused; ${figures.records} records, ${figures.sessions} ` +
        `sessions equal the fold`,
    );
  });
});
