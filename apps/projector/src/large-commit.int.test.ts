import { createKafka, onCleanup, sharedInfrastructure, startRedisServer } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { expectStateEqualsFold } from './testing/expect-fold.ts';
import { projectorHarness } from './testing/projector-harness.ts';

/**
 * Issue (memory bounded by bytes, not counts): a batch's commit is one script that Redis runs
 * while every other client waits, and whose arguments the projector and Redis both hold in
 * memory, so its size is bounded (REDIS_MAX_COMMIT_BYTES). Forty sessions of a hundred long cart
 * lines each (about 27 KB apiece), all waiting when the projector starts, so one batch touches
 * all of them (about 1 MB): under a 256 KiB bound such batches are stored in parts, and the
 * state equals the fold.
 */
describe('checkout-projector with batches larger than one Redis commit may be', () => {
  it('stores them in parts under REDIS_MAX_COMMIT_BYTES and ends equal to the fold', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const redis = await startRedisServer();
    onCleanup(() => redis.stop());
    const harness = await projectorHarness(
      'large-commit',
      { brokers: kafkaBrokers, redisUrl: redis.url },
      1,
    );
    const producer = createKafka(kafkaBrokers, 'large-commit').producer();
    await producer.connect();
    const name = 'n'.repeat(200);
    for (let line = 0; line < 100; line += 1) {
      await producer.send({
        topic: harness.topics.toPhysical('cart-events'),
        acks: -1,
        messages: Array.from({ length: 40 }, (_, s) => ({
          key: `big-${s}`,
          value: JSON.stringify({
            event_id: `big-${s}-${line}`,
            event_name: 'cart.item_added',
            aggregate_id: `big-${s}`,
            occurred_at: '2026-11-01T10:00:00.000Z',
            payload: { sku: `SKU-${line}`, name, quantity: 1, unit_price_cents: 100 },
          }),
        })),
      });
    }
    await producer.disconnect();

    const projector = await harness.start({ REDIS_MAX_COMMIT_BYTES: '262144' });
    const figures = await expectStateEqualsFold(harness, { timeoutMs: 120_000 });
    const metrics = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
    const splits = Number(/^checkout_batch_splits_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
    expect(splits).toBeGreaterThan(0);
    expect(projector.child.exitCode).toBeNull();
    console.info(
      `large-commit: ${figures.records} records, ${figures.sessions} sessions of ~27 KB equal the fold; ` +
        `${splits} batches stored in parts under a 256 KiB commit bound`,
    );
  });
});
