import { emptyTotals, encodeSnapshot, getTotals, type CheckoutTotals } from '@checkout/domain';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { createCheckoutReader } from './checkout-reader.ts';
import { keyspace } from './keyspace.ts';
import { createShadowReader, type ShadowOutcome } from './shadow-reader.ts';
import { testOrder } from './test-orders.ts';
import { redisFixture } from './test-redis.ts';

const { redisUrl } = sharedInfrastructure();

describe('createShadowReader (dual-read migration)', () => {
  it('serves one side, compares both, counts mismatches by field and logs a bounded sample', async () => {
    const { redis, namespace } = await redisFixture(redisUrl, 'shadow-reader');
    // The old read path: the cart service's own hash, `sku → quantity:unit_price`, summed the
    // way the legacy GetCheckoutTotalsHandler did.
    const cartKey = (id: string) => `${namespace}:legacy-cart:${id}`;
    const legacy = async (sessionId: string): Promise<CheckoutTotals> => {
      const lines = Object.values(await redis.hgetall(cartKey(sessionId))).map((v) =>
        v.split(':').map(Number),
      );
      const subtotal = lines.reduce((sum, [quantity = 0, price = 0]) => sum + quantity * price, 0);
      return {
        ...emptyTotals(sessionId),
        subtotal_cents: subtotal,
        grand_total_cents: subtotal,
        item_count: lines.reduce((sum, [quantity = 0]) => sum + quantity, 0),
      };
    };
    const ids = ['s1', 's2', 's3', 's4', 's5', 's6'];
    for (const [index, id] of ids.entries()) {
      const order = testOrder(id, 2, index + 1);
      await redis.set(keyspace(namespace).snapshot(id), encodeSnapshot(order));
      if (id === 's3') continue; // never written by the old cart service
      if (id === 's4') {
        await redis.set(cartKey(id), 'not a hash'); // the old path fails (WRONGTYPE)
        continue;
      }
      const drift = id === 's2' ? 1 : 0; // the old path counts one more of the first line
      for (const [line, { sku, quantity, unit_price_cents }] of order.cart.lines.entries())
        await redis.hset(
          cartKey(id),
          sku,
          `${quantity + (line === 0 ? drift : 0)}:${unit_price_cents}`,
        );
    }
    const projection = createCheckoutReader({ redis, namespace });
    const logged: Array<Record<string, unknown>> = [];
    const byField = new Map<string, number>();
    const byOutcome = new Map<ShadowOutcome, number>();
    let clock = 0;
    const options = {
      legacy,
      projection: (id: string) => projection.getTotals(id),
      mismatches: {
        inc: ({ field }: { field: string }) =>
          void byField.set(field, (byField.get(field) ?? 0) + 1),
      },
      comparisons: {
        inc: ({ outcome }: { outcome: ShadowOutcome }) =>
          void byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1),
      },
      log: { warn: (fields: Record<string, unknown>) => void logged.push(fields) },
      sampleLimit: 1,
      sampleWindowMs: 1000,
      now: () => clock,
    };

    // Phase 4: the legacy side answers; the projection is only compared.
    const shadow = createShadowReader(options);
    for (const id of ['s1', 's2', 's3', 's5', 's6']) {
      expect(await shadow.getTotals(id, { correlationId: `corr-${id}` })).toEqual(await legacy(id));
    }
    await expect(shadow.getTotals('s4')).rejects.toThrow(/WRONGTYPE/); // the served side's failure
    expect(shadow.stats()).toEqual({
      compared: 5,
      mismatched: 2,
      byField: { subtotal_cents: 2, grand_total_cents: 2, item_count: 2 },
      errors: { legacy: 1, projection: 0 },
    });
    expect(Object.fromEntries(byField)).toEqual(shadow.stats().byField);
    expect(Object.fromEntries(byOutcome)).toEqual({ match: 3, mismatch: 2, legacy_error: 1 });
    const s2 = getTotals(testOrder('s2', 2, 2));
    expect(logged).toEqual([
      {
        session_id: 's2',
        correlation_id: 'corr-s2',
        fields: ['subtotal_cents', 'grand_total_cents', 'item_count'],
        legacy: {
          subtotal_cents: s2.subtotal_cents + 1999,
          grand_total_cents: s2.grand_total_cents + 1999,
          item_count: s2.item_count + 1,
        },
        projection: {
          subtotal_cents: s2.subtotal_cents,
          grand_total_cents: s2.grand_total_cents,
          item_count: s2.item_count,
        },
        mismatches_not_logged: 0,
      },
    ]); // s3's mismatch fell in the same window: counted, not logged

    // The next window logs again, saying how many went unlogged meanwhile.
    clock = 1000;
    await shadow.getTotals('s3', { correlationId: 'corr-s3b' });
    expect(logged.at(-1)).toMatchObject({
      session_id: 's3',
      correlation_id: 'corr-s3b',
      mismatches_not_logged: 1,
    });

    // Phase 5: the projection answers; a failing legacy side no longer reaches the caller.
    const flipped = createShadowReader({ ...options, serve: 'projection' });
    expect(await flipped.getTotals('s4')).toEqual(await projection.getTotals('s4'));
    expect(await flipped.getTotals('s2')).toEqual(s2);
    expect(flipped.stats()).toMatchObject({ compared: 1, mismatched: 1, errors: { legacy: 1 } });
  });
});
