import type { DeadLetterEntry } from '@checkout/engine';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { bySize, createKafkaDeadLetterSink, deadLetterMessage } from './dead-letter-producer.ts';

describe('dead-letter message', () => {
  it('keys by the original key, carries the entry as JSON and adds x-dlq-reason to the headers', () => {
    const entry: DeadLetterEntry = {
      reason: 'invalid_json',
      message: 'Unexpected token',
      original: {
        topic: 'cart-events',
        partition: 2,
        offset: '17',
        timestamp: '1767225600000',
        key: 'session-1',
        key_encoding: 'utf8',
        value: '{oops',
        value_encoding: 'utf8',
        headers: { traceparent: '00-abc' },
      },
      event_id: null,
      event_name: null,
      correlation_id: null,
    };
    const message = deadLetterMessage(entry);
    expect(message.key).toEqual(Buffer.from('session-1'));
    expect(JSON.parse(String(message.value))).toEqual(entry);
    expect(message.headers).toEqual({
      traceparent: Buffer.from('00-abc'),
      'x-dlq-reason': 'invalid_json',
    });
  });
});

describe('Kafka dead-letter sink failures', () => {
  function fakeKafka(sends: Array<'ok' | Error>) {
    const producers: number[] = [];
    const kafka = {
      producer: () => {
        producers.push(producers.length);
        return {
          connect: async () => {},
          disconnect: async () => {},
          send: async () => {
            const next = sends.shift();
            if (next instanceof Error) throw next;
            return [];
          },
        };
      },
    } as unknown as Kafka;
    return { kafka, producers };
  }

  const entry = {
    reason: 'invalid_json',
    original: { key: 'k', headers: {} },
  } as unknown as DeadLetterEntry;

  it('turns a failed send into a retryable SOURCE_UNAVAILABLE and starts a fresh producer', async () => {
    const { kafka, producers } = fakeKafka([new Error('OUT_OF_ORDER_SEQUENCE_NUMBER'), 'ok']);
    const sink = createKafkaDeadLetterSink({ kafka, topic: 'dlq', createTopic: false });
    await expect(sink.publish([entry])).rejects.toMatchObject({
      code: 'SOURCE_UNAVAILABLE',
      canRetry: true,
    });
    await sink.publish([entry]);
    expect(producers).toHaveLength(2);
  });
});

describe('bySize', () => {
  it('cuts runs of messages at the byte limit, never leaving a message out', () => {
    const of = (bytes: number) => ({ value: 'x'.repeat(bytes) });
    const runs = bySize([of(400), of(400), of(400), of(2000), of(10)], 1000);
    expect(runs.map((run) => run.map(({ value }) => String(value).length))).toEqual([
      [400, 400],
      [400],
      [2000],
      [10],
    ]);
  });
});
