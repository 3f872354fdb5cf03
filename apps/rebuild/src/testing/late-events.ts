import { createKafka } from '@checkout/testkit';
import type { ProjectorHarness } from '@checkout/projector/testing';

/** More events for sessions that already exist: the watched sessions keep changing during the rebuild. */
export async function produceLateEvents(
  harness: ProjectorHarness,
  sessionIds: readonly string[],
  round: number,
): Promise<void> {
  const producer = createKafka(harness.brokers, 'late-events').producer({
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    await producer.send({
      topic: harness.topics.toPhysical('cart-events'),
      acks: -1,
      messages: sessionIds.map((id) => ({
        key: id,
        value: JSON.stringify({
          event_id: `${id}-late-${round}`,
          event_name: 'cart.item_added',
          aggregate_id: id,
          occurred_at: '2026-12-01T00:00:00.000Z',
          payload: {
            sku: `SKU-LATE-${round}`,
            name: 'Late item',
            quantity: 1,
            unit_price_cents: 100,
          },
        }),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}
