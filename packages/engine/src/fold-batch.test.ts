import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DOMAIN_CONFIG,
  encodeSnapshot,
  foldEvents,
  initialCheckoutOrder,
  parseCheckoutEvent,
} from '@checkout/domain';
import { foldBatch, parseBatch } from './fold-batch.ts';
import type { SourceRecord } from './ports/source-record.ts';
import { topicNames } from './topic-names.ts';

const topics = topicNames('test.');
let nextOffset = 0;

function record(topic: string, value: unknown, partition = 0): SourceRecord {
  return {
    topic: `test.${topic}`,
    partition,
    offset: String(nextOffset++),
    key: Buffer.from('s-1'),
    value:
      value instanceof Buffer
        ? value
        : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: { 'x-trace': 'abc' },
    timestamp: '1700000000000',
  };
}

function event(eventName: string, payload: Record<string, unknown>, id = `e-${nextOffset}`) {
  return {
    event_id: id,
    event_name: eventName,
    aggregate_id: 's-1',
    occurred_at: '2026-11-01T10:00:00+01:00',
    correlation_id: 'c-1',
    payload,
  };
}

describe('foldBatch', () => {
  it('applies events in order, skips duplicates, ignores unknown names and dead-letters poison', () => {
    const added = event(
      'cart.item_added',
      { sku: 'A', quantity: 2, unit_price_cents: 500 },
      'e-added',
    );
    const records = [
      record('cart-events', added),
      record('cart-events', added), // republished duplicate
      record('cart-events', event('cart.wishlist_viewed', {})),
      record('cart-events', '{"truncated":'),
      record('cart-events', Buffer.from([0xff, 0xfe])),
      record('shipping-events', event('cart.cleared', {})),
      record(
        'shipping-events',
        event('shipping.method_selected', { method: 'courier', cost_cents: 999 }),
      ),
    ];

    const folded = foldBatch(
      parseBatch(records, topics, DEFAULT_DOMAIN_CONFIG),
      new Map(),
      topics,
      DEFAULT_DOMAIN_CONFIG,
    );

    expect(folded.snapshots).toHaveLength(1);
    const written = folded.snapshots[0]!;
    expect(written.expectedVersion).toBe(0);
    expect(written.order.cart.lines).toEqual([expect.objectContaining({ sku: 'A', quantity: 2 })]);
    expect(written.order.shipping.cost_cents).toBe(999);
    expect(written.order.meta.event_count).toBe(2);
    expect(folded.deadLetters.map((entry) => entry.reason)).toEqual([
      'invalid_json',
      'invalid_json',
      'topic_mismatch',
    ]);
    const binary = folded.deadLetters[1]!;
    expect(binary.original).toMatchObject({
      value: Buffer.from([0xff, 0xfe]).toString('base64'),
      value_encoding: 'base64',
    });
    expect(folded.deadLetters[2]!.original).toMatchObject({
      topic: 'test.shipping-events',
      key: 's-1',
      headers: { 'x-trace': 'abc' },
    });
    expect(folded.outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ eventName: 'cart.item_added', outcome: 'applied', count: 1 }),
        expect.objectContaining({
          eventName: 'cart.item_added',
          outcome: 'skipped',
          reason: 'duplicate_event_id',
          count: 1,
        }),
        expect.objectContaining({
          eventName: 'cart.wishlist_viewed',
          outcome: 'ignored',
          count: 1,
        }),
      ]),
    );
  });

  it('continues from the loaded snapshot and guards the write with its version', () => {
    const first = record(
      'cart-events',
      event('cart.item_added', { sku: 'A', quantity: 1, unit_price_cents: 100 }),
    );
    const parsedFirst = parseCheckoutEvent(first.value, 'cart-events');
    if (!parsedFirst.ok || parsedFirst.value.kind !== 'event')
      throw new Error('fixture must parse');
    const stored = foldEvents('s-1', [
      {
        event: parsedFirst.value.event,
        position: { topic: 'cart-events', partition: 0, offset: first.offset },
      },
    ]);
    const loaded = new Map([['s-1', { order: stored, version: stored.meta.event_count }]]);

    const again = foldBatch(
      parseBatch(
        [
          first,
          record(
            'cart-events',
            event('cart.item_added', { sku: 'A', quantity: 1, unit_price_cents: 100 }),
          ),
        ],
        topics,
        DEFAULT_DOMAIN_CONFIG,
      ),
      loaded,
      topics,
      DEFAULT_DOMAIN_CONFIG,
    );

    expect(again.snapshots[0]!.expectedVersion).toBe(1);
    expect(again.snapshots[0]!.order.cart.lines[0]!.quantity).toBe(2);
    expect(again.outcomes).toContainEqual(
      expect.objectContaining({ outcome: 'skipped', reason: 'offset_already_applied' }),
    );
  });

  it('writes nothing for a batch of only redelivered records', () => {
    const only = record('cart-events', event('cart.cleared', {}));
    const parsed = parseCheckoutEvent(only.value, 'cart-events');
    if (!parsed.ok || parsed.value.kind !== 'event') throw new Error('fixture must parse');
    const stored = foldEvents('s-1', [
      {
        event: parsed.value.event,
        position: { topic: 'cart-events', partition: 0, offset: only.offset },
      },
    ]);
    const folded = foldBatch(
      parseBatch([only], topics, DEFAULT_DOMAIN_CONFIG),
      new Map([['s-1', { order: stored, version: 1 }]]),
      topics,
      DEFAULT_DOMAIN_CONFIG,
    );
    expect(folded.snapshots).toEqual([]);
    expect(encodeSnapshot(stored)).toBe(
      encodeSnapshot(
        foldEvents('s-1', [
          {
            event: parsed.value.event,
            position: { topic: 'cart-events', partition: 0, offset: only.offset },
          },
        ]),
      ),
    );
    expect(initialCheckoutOrder('s-1').meta.event_count).toBe(0);
  });

  it('marks a session whose snapshot the store lost, and reports it; a stored or new one is not', () => {
    const records = [
      record(
        'cart-events',
        event('cart.item_added', { sku: 'A', quantity: 1, unit_price_cents: 5 }),
      ),
    ];
    const parsed = parseBatch(records, topics, DEFAULT_DOMAIN_CONFIG);
    const lost = foldBatch(parsed, new Map(), topics, DEFAULT_DOMAIN_CONFIG, {
      historyGone: new Set(['s-1']),
    });
    expect(lost.historyIncomplete).toEqual(['s-1']);
    expect(lost.snapshots[0]?.order.meta).toMatchObject({
      event_count: 1,
      history_incomplete: true,
    });

    const fresh = foldBatch(parsed, new Map(), topics, DEFAULT_DOMAIN_CONFIG, {
      historyGone: new Set(['other']),
    });
    expect(fresh.historyIncomplete).toEqual([]);
    expect(fresh.snapshots[0]?.order.meta.history_incomplete).toBeUndefined();
  });

  it('dead-letters the records of a session whose snapshot cannot be read, and folds the others', () => {
    const records = [
      record(
        'cart-events',
        event('cart.item_added', { sku: 'A', quantity: 1, unit_price_cents: 5 }),
      ),
      {
        ...record('cart-events', { ...event('cart.cleared', {}), aggregate_id: 's-2' }),
        key: Buffer.from('s-2'),
      },
    ];
    const folded = foldBatch(
      parseBatch(records, topics, DEFAULT_DOMAIN_CONFIG),
      new Map(),
      topics,
      DEFAULT_DOMAIN_CONFIG,
      { unreadable: new Map([['s-1', 'The snapshot at k:{s-1} is corrupt']]) },
    );
    expect(folded.snapshots.map(({ sessionId }) => sessionId)).toEqual(['s-2']);
    expect(folded.deadLetters).toMatchObject([
      {
        reason: 'snapshot_unreadable',
        message: 'The snapshot at k:{s-1} is corrupt',
        original: { offset: records[0]!.offset },
      },
    ]);
  });

  it('dead-letters a record whose key is not its session id, or that has no key (key_mismatch)', () => {
    const added = event('cart.item_added', { sku: 'A', quantity: 1, unit_price_cents: 5 });
    const records = [
      { ...record('cart-events', added), key: Buffer.from('someone-else') },
      { ...record('cart-events', added), key: null },
      record('cart-events', { ...added, event_id: 'fine' }),
    ];
    const folded = foldBatch(
      parseBatch(records, topics, DEFAULT_DOMAIN_CONFIG),
      new Map(),
      topics,
      DEFAULT_DOMAIN_CONFIG,
    );
    expect(folded.deadLetters.map(({ reason, event_id }) => [reason, event_id])).toEqual([
      ['key_mismatch', added.event_id],
      ['key_mismatch', added.event_id],
    ]);
    expect(folded.deadLetters[0]?.message).not.toContain('someone-else');
    expect(folded.snapshots[0]?.order.meta.event_count).toBe(1);
  });
});
