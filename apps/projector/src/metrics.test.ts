import { describe, expect, it } from 'vitest';
import { createMetrics, eventNameLabel, publishLag } from './metrics.ts';

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
      sessions: 5,
      sessionsRead: 2,
      sessionsKept: 3,
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
    expect(text).toContain('checkout_wave_sessions_total{source="store"} 2');
    expect(text).toContain('checkout_wave_sessions_total{source="kept"} 3');
    expect(text).not.toContain('unheard_of');
    expect(text.length).toBeLessThan(40_000);
  });

  it('maps names outside the catalog to other', () => {
    expect(eventNameLabel('payment.succeeded')).toBe('payment.succeeded');
    expect(eventNameLabel('unknown')).toBe('other');
  });

  it('publish the lag of the owned partitions only: a revoked one leaves the gauges', async () => {
    const metrics = createMetrics();
    const entry = (partition: number, lag: number, lagSeconds: number | null) => ({
      topic: 'cart-events',
      partition,
      lag,
      lagSeconds,
      highWatermark: '100',
      nextOffset: String(100 - lag),
    });
    publishLag(metrics, [entry(0, 40, 12.5), entry(1, 0, 0)]);
    let text = await metrics.registry.metrics();
    expect(text).toContain('checkout_consumer_lag{topic="cart-events",partition="0"} 40');
    expect(text).toContain('checkout_consumer_lag_seconds{topic="cart-events",partition="0"} 12.5');
    expect(text).toContain('checkout_partition_next_offset{topic="cart-events",partition="0"} 60');
    expect(text).toContain(
      'checkout_partition_high_watermark{topic="cart-events",partition="1"} 100',
    );
    publishLag(metrics, [entry(1, 3, null)]);
    text = await metrics.registry.metrics();
    expect(text).not.toContain('partition="0"');
    expect(text).toContain('checkout_consumer_lag{topic="cart-events",partition="1"} 3');
    expect(text).not.toContain('checkout_consumer_lag_seconds{');
  });

  it('ask readiness at every scrape', async () => {
    let ready = false;
    const metrics = createMetrics({ ready: () => ready });
    expect(await metrics.registry.metrics()).toMatch(/^checkout_ready 0$/m);
    ready = true;
    expect(await metrics.registry.metrics()).toMatch(/^checkout_ready 1$/m);
  });
});
