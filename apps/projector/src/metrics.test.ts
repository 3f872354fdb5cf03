import { describe, expect, it } from 'vitest';
import { createMetrics, eventNameLabel } from './metrics.ts';

describe('projector metrics', () => {
  it('keep the event_name label to the catalog plus other, whatever names arrive', async () => {
    const metrics = createMetrics();
    const outcomes = Array.from({ length: 10_000 }, (_, i) => ({
      topic: 'cart-events',
      eventName: `cart.unheard_of_${i}_${'x'.repeat(150)}`,
      outcome: 'ignored' as const,
      reason: null,
      count: 1,
    }));
    metrics.observer.batchProcessed({
      records: outcomes.length,
      sessions: 0,
      outcomes: [
        ...outcomes,
        {
          topic: 'cart-events',
          eventName: 'cart.item_added',
          outcome: 'applied',
          reason: null,
          count: 3,
        },
      ],
      durationMs: 1,
      storeMs: 1,
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'checkout_events_total{topic="cart-events",event_name="other",outcome="ignored",reason=""} 10000',
    );
    expect(text).toContain('event_name="cart.item_added"');
    expect(text).not.toContain('unheard_of');
    expect(text.length).toBeLessThan(40_000);
  });

  it('maps names outside the catalog to other', () => {
    expect(eventNameLabel('payment.succeeded')).toBe('payment.succeeded');
    expect(eventNameLabel('unknown')).toBe('other');
  });
});
