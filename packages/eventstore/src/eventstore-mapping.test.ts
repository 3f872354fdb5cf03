import { topicNames } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import {
  CHECKOUT_EVENT_TYPE_PREFIXES,
  mapArchivedEvent,
  type ArchivedEvent,
  type ArchiveMappingOptions,
} from './eventstore-mapping.ts';

const topics = topicNames('prod.');
const options: ArchiveMappingOptions = { topics };
const envelope = {
  event_id: 'e-1',
  event_name: 'cart.item_added',
  aggregate_id: 's-1',
  occurred_at: '2026-01-01T10:00:00Z',
  payload: { sku: 'A', quantity: 1, unit_price_cents: 100 },
};
const coordinates = {
  kafka_topic: 'prod.cart-events',
  kafka_partition: 2,
  kafka_offset: '41',
  kafka_key: 's-1',
  kafka_timestamp: 1767261600000,
};

function archived(overrides: Partial<ArchivedEvent> = {}): ArchivedEvent {
  return {
    id: '0b8a2f9e-0000-4000-8000-000000000001',
    streamId: 'checkout-s-1',
    type: 'cart.item_added',
    isJson: true,
    data: envelope,
    metadata: coordinates,
    created: new Date('2026-01-02T00:00:00.000Z'),
    ...overrides,
  };
}

function recordOf(event: ArchivedEvent, mappingOptions = options) {
  const mapped = mapArchivedEvent(event, mappingOptions);
  if (mapped.kind !== 'record') throw new Error(`expected a record, got ${JSON.stringify(mapped)}`);
  return mapped.record;
}

function unmappableOf(event: ArchivedEvent) {
  const mapped = mapArchivedEvent(event, options);
  if (mapped.kind !== 'unmappable')
    throw new Error(`expected unmappable, got ${JSON.stringify(mapped)}`);
  return mapped.event;
}

describe('mapArchivedEvent: good metadata', () => {
  it('restores the original Kafka coordinates, key, value and headers', () => {
    const record = recordOf(
      archived({ metadata: { ...coordinates, kafka_headers: { traceparent: '00-abc' } } }),
    );
    expect(record).toEqual({
      topic: 'prod.cart-events',
      partition: 2,
      offset: '41',
      key: Buffer.from('s-1'),
      value: Buffer.from(JSON.stringify(envelope)),
      headers: {
        traceparent: '00-abc',
        'esdb-event-id': '0b8a2f9e-0000-4000-8000-000000000001',
        'esdb-stream': 'checkout-s-1',
      },
      timestamp: '1767261600000',
    });
  });

  it('maps logical topic names to the physical ones of the target deployment', () => {
    expect(
      recordOf(archived({ metadata: { ...coordinates, kafka_topic: 'shipping-events' } })).topic,
    ).toBe('prod.shipping-events');
  });

  it('maps an archive written under another prefix when told so', () => {
    const record = recordOf(archived(), {
      topics: topicNames('staging.'),
      archiveTopics: topicNames('prod.'),
    });
    expect(record.topic).toBe('staging.cart-events');
  });

  it('keeps int64 offsets beyond 2^53 exactly when written as strings', () => {
    expect(
      recordOf(archived({ metadata: { ...coordinates, kafka_offset: '9223372036854775806' } }))
        .offset,
    ).toBe('9223372036854775806');
  });

  it('accepts numeric strings for the partition and the timestamp', () => {
    const record = recordOf(
      archived({
        metadata: { ...coordinates, kafka_partition: '7', kafka_timestamp: '1700000000000' },
      }),
    );
    expect([record.partition, record.timestamp]).toEqual([7, '1700000000000']);
  });

  it('takes a missing key as null and a missing timestamp from the ESDB created time', () => {
    const { kafka_key: _key, kafka_timestamp: _timestamp, ...rest } = coordinates;
    const record = recordOf(archived({ metadata: rest }));
    expect(record.key).toBeNull();
    expect(record.timestamp).toBe(String(Date.parse('2026-01-02T00:00:00.000Z')));
  });

  it('maps a record of a checkout topic whatever its event type (a poison record without event_name)', () => {
    expect(recordOf(archived({ type: 'unknown', data: '{"truncated":' })).value?.toString()).toBe(
      '{"truncated":',
    );
  });
});

describe('mapArchivedEvent: data', () => {
  it('passes binary data through byte for byte, invalid UTF-8 included', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x7b]);
    expect(recordOf(archived({ isJson: false, data: bytes })).value).toEqual(Buffer.from(bytes));
  });

  it('passes binary JSON text through untouched, whitespace and number spelling included', () => {
    const text = '{ "event_id": "e-1", "n": 1.50 }';
    expect(
      recordOf(archived({ isJson: false, data: new TextEncoder().encode(text) })).value?.toString(),
    ).toBe(text);
  });

  it('keeps the raw text of JSON-typed data that did not parse (the client hands it over as a string)', () => {
    expect(recordOf(archived({ data: '{not json' })).value?.toString()).toBe('{not json');
  });

  it('re-encodes a JSON string literal whose text is itself JSON, as it was on Kafka', () => {
    expect(recordOf(archived({ data: '{"a":1}' })).value?.toString()).toBe('"{\\"a\\":1}"');
  });

  it('re-serializes arrays and scalars', () => {
    expect(recordOf(archived({ data: [1, 2] })).value?.toString()).toBe('[1,2]');
  });
});

describe('mapArchivedEvent: missing or odd metadata is reported, never dropped', () => {
  it('reports an event of a checkout type without metadata', () => {
    expect(unmappableOf(archived({ metadata: undefined }))).toEqual({
      reason: 'missing_metadata',
      message: 'no Kafka coordinates in the metadata (the event has no metadata)',
      eventId: '0b8a2f9e-0000-4000-8000-000000000001',
      streamId: 'checkout-s-1',
      eventType: 'cart.item_added',
    });
  });

  it('reports metadata that is not JSON, not an object, or has no Kafka fields', () => {
    expect(unmappableOf(archived({ metadata: new Uint8Array([1, 2, 3]) })).message).toContain(
      '3 bytes that are not JSON',
    );
    expect(unmappableOf(archived({ metadata: ['kafka_topic'] })).reason).toBe('missing_metadata');
    expect(unmappableOf(archived({ metadata: { $correlationId: 'c-1' } })).message).toContain(
      'metadata fields: $correlationId',
    );
  });

  it.each([
    ['kafka_topic', 42, 'kafka_topic must be a string'],
    ['kafka_partition', -1, 'kafka_partition'],
    ['kafka_partition', 1.5, 'kafka_partition'],
    ['kafka_partition', undefined, 'kafka_partition'],
    ['kafka_offset', 2 ** 53, 'kafka_offset'],
    ['kafka_offset', '-3', 'kafka_offset'],
    ['kafka_offset', '0041', 'kafka_offset'],
    ['kafka_offset', '9223372036854775808', 'kafka_offset'],
    ['kafka_key', 17, 'kafka_key'],
    ['kafka_timestamp', '2026-01-01', 'kafka_timestamp'],
    ['kafka_headers', { traceparent: 1 }, 'kafka_headers'],
  ])('reports %s = %j as invalid metadata', (field, value, message) => {
    const problem = unmappableOf(archived({ metadata: { ...coordinates, [field]: value } }));
    expect(problem.reason).toBe('invalid_metadata');
    expect(problem.message).toContain(message);
  });

  it('reports a topic that is not a checkout topic of this deployment', () => {
    const problem = unmappableOf(
      archived({ metadata: { ...coordinates, kafka_topic: 'staging.cart-events' } }),
    );
    expect(problem).toMatchObject({
      reason: 'unknown_topic',
      message: expect.stringContaining('"staging.cart-events"'),
    });
  });
});

describe('mapArchivedEvent: what is skipped', () => {
  it('skips system events and system streams', () => {
    expect(mapArchivedEvent(archived({ type: '$>', metadata: undefined }), options)).toEqual({
      kind: 'skipped',
      why: 'system',
    });
    expect(mapArchivedEvent(archived({ streamId: '$ce-checkout' }), options)).toEqual({
      kind: 'skipped',
      why: 'system',
    });
  });

  it('skips other data in the same database', () => {
    expect(
      mapArchivedEvent(
        archived({ type: 'order.placed', metadata: { kafka_topic: 'orders' } }),
        options,
      ),
    ).toEqual({ kind: 'skipped', why: 'foreign' });
  });

  it('skips the topics the caller did not ask for', () => {
    expect(mapArchivedEvent(archived(), { topics, only: ['payment-events'] })).toEqual({
      kind: 'skipped',
      why: 'filtered',
    });
  });

  it('knows the event-type prefix of each topic', () => {
    expect(CHECKOUT_EVENT_TYPE_PREFIXES).toEqual([
      'cart.',
      'shipping.',
      'promotion.',
      'services.',
      'payment.',
    ]);
  });
});
