import { randomBytes } from 'node:crypto';
import type { CheckoutTopic } from '@checkout/domain';
import { topicNames, type SourceRecord } from '@checkout/engine';
import { binaryEvent, jsonEvent, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchiveReport } from './archive-report.ts';
import { connectEventStore, verifyEventStore } from './connect-eventstore.ts';
import type { UnmappableEvent } from './eventstore-mapping.ts';
import { readEventStore } from './read-eventstore.ts';
import { eventStoreServer } from './test-support/eventstore-server.ts';

// Runs only where an EventStoreDB server is reachable: EVENTSTORE_URL, or a Docker engine for
// testcontainers. Elsewhere the suite is skipped and its name says why.
const server = await eventStoreServer();
const skipReason = 'skip' in server ? server.skip : undefined;
if (skipReason !== undefined) console.info(`EventStoreDB integration test skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(
  `EventStoreDB archive replay${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let client: KurrentDBClient | undefined;
    afterAll(async () => {
      await client?.dispose();
      if (!('skip' in server)) await server.stop();
    });

    it('reads archived records back with their Kafka coordinates, bytes and headers, and reports the unmappable', async () => {
      if ('skip' in server) return;
      client = connectEventStore(server.url);
      await verifyEventStore(client);
      const run = `es-${randomBytes(4).toString('hex')}`;
      const topics = topicNames(`${run}.`);
      const coordinates = (
        topic: CheckoutTopic,
        partition: number,
        offset: string,
        key: string,
      ) => ({
        kafka_topic: topics.toPhysical(topic),
        kafka_partition: partition,
        kafka_offset: offset,
        kafka_key: key,
        kafka_timestamp: '1767225600000',
        kafka_headers: { traceparent: `00-${run}` },
      });
      const envelope = (n: number, name: string) => ({
        event_id: `${run}-${n}`,
        event_name: name,
        aggregate_id: `${run}-s1`,
        occurred_at: '2026-01-01T00:00:00Z',
        payload: {},
      });

      await client.appendToStream(`checkout-${run}-s1`, [
        jsonEvent({
          type: 'cart.cleared',
          data: envelope(1, 'cart.cleared'),
          metadata: coordinates('cart-events', 0, '10', `${run}-s1`),
        }),
        jsonEvent({
          type: 'cart.cleared',
          data: envelope(2, 'cart.cleared'),
          metadata: coordinates('cart-events', 0, '11', `${run}-s1`),
        }),
      ]);
      const poison = new Uint8Array([0xff, 0xfe, 0x7b]);
      await client.appendToStream(`checkout-${run}-s2`, [
        binaryEvent({
          type: 'payment.failed',
          data: poison,
          metadata: coordinates('payment-events', 1, '7', `${run}-s2`),
        }),
      ]);
      const orphan = jsonEvent({ type: 'cart.cleared', data: envelope(3, 'cart.cleared') });
      await client.appendToStream(`checkout-${run}-orphan`, [orphan]);
      await client.appendToStream(`orders-${run}`, [
        jsonEvent({ type: 'order.placed', data: { id: run } }),
      ]);

      // From the start (a server may be shared: keep only this run's records and problems).
      const report = createArchiveReport(0);
      const records: SourceRecord[] = [];
      const unmappable: UnmappableEvent[] = [];
      for await (const batch of readEventStore(client, { topics, pageSize: 2 })) {
        report.add(batch);
        records.push(...batch.records.filter((record) => record.topic.startsWith(run)));
        unmappable.push(...batch.unmappable.filter((event) => event.streamId.includes(run)));
      }

      expect(records.map((r) => [r.topic, r.partition, r.offset, r.key?.toString()])).toEqual([
        [`${run}.cart-events`, 0, '10', `${run}-s1`],
        [`${run}.cart-events`, 0, '11', `${run}-s1`],
        [`${run}.payment-events`, 1, '7', `${run}-s2`],
      ]);
      const [cleared, , failed] = records;
      expect(JSON.parse(cleared?.value?.toString() ?? 'null')).toEqual(envelope(1, 'cart.cleared'));
      expect(failed?.value).toEqual(Buffer.from(poison));
      expect(cleared?.headers).toMatchObject({
        traceparent: `00-${run}`,
        'esdb-stream': `checkout-${run}-s1`,
        'esdb-event-id': expect.any(String),
      });
      expect(cleared?.timestamp).toBe('1767225600000');
      expect(unmappable).toEqual([
        expect.objectContaining({
          eventId: orphan.id,
          streamId: `checkout-${run}-orphan`,
          reason: 'missing_metadata',
        }),
      ]);
      expect(report.current().skipped.foreign).toBeGreaterThanOrEqual(1);
    });
  },
);
