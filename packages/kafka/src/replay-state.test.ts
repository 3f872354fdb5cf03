import { describe, expect, it } from 'vitest';
import { createConsumerLag } from './consumer-lag.ts';
import { silentKafkaLog } from './kafka-log.ts';
import { createReplayState } from './replay-state.ts';
import { createSourceReadiness } from './source-readiness.ts';

describe('replay state', () => {
  it('is not ready from a checkpoint that went back until the partition is stored up to the log end it had', () => {
    const lag = createConsumerLag();
    lag.observe('cart-events', 0, { highWatermark: '500', nextOffset: '500' });
    const changes: Array<[boolean, string | undefined]> = [];
    const readiness = createSourceReadiness((ready, reason) => changes.push([ready, reason]));
    readiness.joined();
    const replaying: string[][] = [];
    const state = createReplayState({
      lag,
      readiness,
      log: silentKafkaLog,
      onChange: (list) => replaying.push(list.map(({ partition }) => String(partition))),
    });
    state.wentBack({ topic: 'cart-events', partition: 0 }, null);
    expect(changes.at(-1)).toEqual([
      false,
      'replaying cart-events:0 from where the store lost its data; answers until then may be stale',
    ]);
    state.stored('cart-events', 0, '300');
    expect(changes.at(-1)?.[0]).toBe(false);
    state.stored('cart-events', 0, '500');
    expect(changes.at(-1)).toEqual([true, undefined]);
    expect(replaying).toEqual([['0'], []]);
  });

  it('ignores a partition with nothing to replay, and a new assignment ends every replay', () => {
    const lag = createConsumerLag();
    lag.observe('cart-events', 1, { highWatermark: '0' });
    lag.observe('cart-events', 2, { highWatermark: '9' });
    const readiness = createSourceReadiness();
    const state = createReplayState({ lag, readiness, log: silentKafkaLog });
    state.wentBack({ topic: 'cart-events', partition: 1 }, null);
    expect(state.replaying()).toEqual([]);
    state.wentBack({ topic: 'cart-events', partition: 2 }, '3');
    expect(state.replaying()).toHaveLength(1);
    state.clear();
    expect(state.replaying()).toEqual([]);
  });
});
