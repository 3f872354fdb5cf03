import type { IHeaders, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toSourceRecord } from './source-record.ts';

function message(overrides: Partial<KafkaMessage> = {}): KafkaMessage {
  return {
    key: Buffer.from('session-1'),
    value: Buffer.from('{"event_id":"e1"}'),
    timestamp: '1767225600000',
    attributes: 0,
    offset: '9007199254740993',
    headers: {},
    ...overrides,
  } as KafkaMessage;
}

describe('toSourceRecord', () => {
  it('passes key and value bytes through and keeps the int64 offset as a string', () => {
    const record = toSourceRecord('staging.cart-events', 2, message());
    expect(record).toEqual({
      topic: 'staging.cart-events',
      partition: 2,
      offset: '9007199254740993',
      key: Buffer.from('session-1'),
      value: Buffer.from('{"event_id":"e1"}'),
      headers: {},
      timestamp: '1767225600000',
    });
  });

  it('keeps null keys and values (tombstones)', () => {
    const record = toSourceRecord('cart-events', 0, message({ key: null, value: null }));
    expect(record.key).toBeNull();
    expect(record.value).toBeNull();
  });

  it('keeps every header: each value of a repeated one, and one named __proto__', () => {
    const headers = Object.fromEntries([
      ['traceparent', Buffer.from('00-abc')],
      ['x-repeated', [Buffer.from('first'), Buffer.from('last')]],
      ['__proto__', Buffer.from([0xff])],
    ]) as IHeaders;
    const record = toSourceRecord('cart-events', 0, message({ headers }));
    expect(Object.keys(record.headers)).toEqual(['traceparent', 'x-repeated', '__proto__']);
    expect(record.headers['x-repeated']).toEqual([Buffer.from('first'), Buffer.from('last')]);
    expect(record.headers['__proto__']).toEqual(Buffer.from([0xff]));
  });

  it('undoes what kafkajs makes of a header named __proto__ ([Object.prototype, value])', () => {
    const headers = Object.fromEntries([
      ['__proto__', [Object.prototype, Buffer.from('kept')]],
    ]) as IHeaders;
    const record = toSourceRecord('cart-events', 0, message({ headers }));
    expect(record.headers['__proto__']).toEqual(Buffer.from('kept'));
  });

  it('gives an empty header map to legacy message-set entries', () => {
    const legacy = {
      key: null,
      value: Buffer.from('x'),
      timestamp: '0',
      attributes: 0,
      offset: '1',
      size: 10,
    };
    expect(toSourceRecord('cart-events', 0, legacy as KafkaMessage).headers).toEqual({});
  });
});
