import { describe, expect, it } from 'vitest';
import { CHECKOUT_TOPICS, isCheckoutTopic, sectionOfTopic } from './topics.ts';

describe('topics', () => {
  it('maps each of the five topics to its section', () => {
    expect(CHECKOUT_TOPICS.map(sectionOfTopic)).toEqual([
      'cart',
      'shipping',
      'promotion',
      'services',
      'payment',
    ]);
  });

  it('recognises only the checkout topics', () => {
    expect(CHECKOUT_TOPICS.every(isCheckoutTopic)).toBe(true);
    for (const topic of ['cart', 'orders-events', 'toString', '__proto__', '']) {
      expect(isCheckoutTopic(topic)).toBe(false);
    }
  });
});
