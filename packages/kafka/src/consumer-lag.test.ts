import { describe, expect, it } from 'vitest';
import { createConsumerLag } from './consumer-lag.ts';

describe('consumer lag', () => {
  it('is the high watermark minus the next offset, per partition, never negative', () => {
    const lag = createConsumerLag();
    lag.observe('cart-events', 1, { highWatermark: '50', nextOffset: '20' });
    lag.observe('cart-events', 0, { highWatermark: '5', nextOffset: '9' });
    lag.observe('cart-events', 1, { highWatermark: '40' });
    expect(lag.snapshot()).toEqual([
      { topic: 'cart-events', partition: 0, lag: 0, highWatermark: '5', nextOffset: '9' },
      { topic: 'cart-events', partition: 1, lag: 30, highWatermark: '50', nextOffset: '20' },
    ]);
    lag.forget([{ topic: 'cart-events', partition: 0 }]);
    expect(lag.snapshot()).toHaveLength(1);
  });
});
