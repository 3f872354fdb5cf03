import { describe, expect, it } from 'vitest';
import { createConsumerLag } from './consumer-lag.ts';

const at = (offset: number, seconds: number) => ({
  offset: String(offset),
  timestamp: String(1_800_000_000_000 + seconds * 1000),
});

describe('consumer lag', () => {
  it('is the high watermark minus the next offset, per partition, never negative', () => {
    const lag = createConsumerLag();
    lag.observe('cart-events', 1, { highWatermark: '50', nextOffset: '20' });
    lag.observe('cart-events', 0, { highWatermark: '5', nextOffset: '9' });
    lag.observe('cart-events', 1, { highWatermark: '40' });
    expect(lag.snapshot()).toEqual([
      {
        topic: 'cart-events',
        partition: 0,
        lag: 0,
        lagSeconds: 0,
        highWatermark: '5',
        nextOffset: '9',
      },
      {
        topic: 'cart-events',
        partition: 1,
        lag: 30,
        lagSeconds: null,
        highWatermark: '50',
        nextOffset: '20',
      },
    ]);
    lag.forget([{ topic: 'cart-events', partition: 0 }]);
    expect(lag.snapshot()).toHaveLength(1);
  });

  it('in seconds: the newest fetched record behind the newest stored one, by record times', () => {
    const lag = createConsumerLag();
    lag.observe('cart-events', 0, { highWatermark: '10', nextOffset: '0' });
    lag.observe('cart-events', 0, { fetched: { first: at(0, 100), last: at(9, 190) } });
    // Nothing stored yet: measured from the first record waiting at the checkpoint.
    expect(lag.snapshot()[0]?.lagSeconds).toBe(90);
    lag.observe('cart-events', 0, { nextOffset: '5', stored: at(4, 130) });
    expect(lag.snapshot()[0]?.lagSeconds).toBe(60);
    lag.observe('cart-events', 0, {
      highWatermark: '12',
      fetched: { first: at(5, 140), last: at(11, 250) },
    });
    expect(lag.snapshot()[0]?.lagSeconds).toBe(120);
    lag.observe('cart-events', 0, { nextOffset: '12', stored: at(11, 250) });
    expect(lag.snapshot()[0]).toMatchObject({ lag: 0, lagSeconds: 0 });
  });

  it('in seconds: forgets the stored time when a replay seeks back below it', () => {
    const lag = createConsumerLag();
    lag.observe('cart-events', 0, { highWatermark: '10', nextOffset: '0' });
    lag.observe('cart-events', 0, { fetched: { first: at(0, 0), last: at(9, 90) } });
    lag.observe('cart-events', 0, { nextOffset: '10', stored: at(9, 90) });
    lag.observe('cart-events', 0, { highWatermark: '11', nextOffset: '0' });
    expect(lag.snapshot()[0]).toMatchObject({ lag: 11, lagSeconds: null });
    lag.observe('cart-events', 0, { fetched: { first: at(0, 0), last: at(10, 100) } });
    expect(lag.snapshot()[0]?.lagSeconds).toBe(100);
  });

  it('in seconds: never negative when record times go back (producer clocks)', () => {
    const lag = createConsumerLag();
    lag.observe('cart-events', 0, { highWatermark: '3', nextOffset: '1', stored: at(0, 50) });
    lag.observe('cart-events', 0, { fetched: { first: at(1, 40), last: at(2, 30) } });
    expect(lag.snapshot()[0]?.lagSeconds).toBe(0);
  });
});
