import type { DeadLetterEntry } from '@checkout/engine';

/** A dead-letter entry as the engine writes it, for tests. */
export function deadLetterEntry(
  overrides: Partial<Omit<DeadLetterEntry, 'original'>> & {
    original?: Partial<DeadLetterEntry['original']>;
  } = {},
): DeadLetterEntry {
  const { original, ...rest } = overrides;
  return {
    reason: 'currency_mismatch',
    message: 'payload.currency: EUR differs from the configured PLN',
    event_id: 'e-1',
    event_name: 'cart.item_added',
    correlation_id: null,
    ...rest,
    original: {
      topic: 'cart-events',
      partition: 1,
      offset: '41',
      timestamp: '1767225600000',
      key: 's-1',
      key_encoding: 'utf8',
      value: '{"event_id":"e-1"}',
      value_encoding: 'utf8',
      headers: { traceparent: '00-abc' },
      ...original,
    },
  };
}
