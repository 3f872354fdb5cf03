import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchBrokerLiveness } from './broker-liveness.ts';
import { silentKafkaLog } from './kafka-log.ts';
import { createSourceReadiness } from './source-readiness.ts';

const events = {
  GROUP_JOIN: 'consumer.group_join',
  HEARTBEAT: 'consumer.heartbeat',
  FETCH: 'consumer.fetch',
  CRASH: 'consumer.crash',
};

function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer = {
    events,
    on(event: string, listener: () => void) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
  } as unknown as Consumer;
  return { consumer, emit: (event: keyof typeof events) => emitter.emit(events[event]) };
}

describe('watchBrokerLiveness', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports not-ready after a session timeout without fetch or heartbeat, ready again on the next answer', () => {
    const changes: Array<[boolean, string | undefined]> = [];
    const readiness = createSourceReadiness((ready, reason) => changes.push([ready, reason]));
    const { consumer, emit } = fakeConsumer();
    const stop = watchBrokerLiveness({
      consumer,
      readiness,
      log: silentKafkaLog,
      stallAfterMs: 6000,
    });

    emit('GROUP_JOIN');
    readiness.joined();
    for (let second = 0; second < 10; second += 1) {
      vi.advanceTimersByTime(1000);
      emit(second % 2 === 0 ? 'FETCH' : 'HEARTBEAT');
    }
    expect(changes.at(-1)).toEqual([true, undefined]);

    vi.advanceTimersByTime(7000); // the broker went silent
    expect(changes.at(-1)?.[0]).toBe(false);
    expect(changes.at(-1)?.[1]).toMatch(/Kafka has answered no fetch or heartbeat for [67] s/);

    emit('HEARTBEAT');
    expect(changes.at(-1)).toEqual([true, undefined]);
    stop();
  });

  it('does not watch a consumer that is not a member (connecting, crashed and restarting)', () => {
    const changes: Array<[boolean, string | undefined]> = [];
    const readiness = createSourceReadiness((ready, reason) => changes.push([ready, reason]));
    const { consumer, emit } = fakeConsumer();
    const stop = watchBrokerLiveness({
      consumer,
      readiness,
      log: silentKafkaLog,
      stallAfterMs: 6000,
    });
    vi.advanceTimersByTime(20_000);
    expect(changes).toEqual([[false, 'connecting to Kafka']]);

    emit('GROUP_JOIN');
    emit('CRASH');
    vi.advanceTimersByTime(20_000);
    expect(changes).toEqual([[false, 'connecting to Kafka']]);
    stop();
  });
});
