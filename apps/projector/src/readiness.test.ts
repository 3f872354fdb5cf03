import { describe, expect, it } from 'vitest';
import { createReadiness } from './readiness.ts';

describe('createReadiness', () => {
  it('starts not ready for every initial component, with the reason', () => {
    expect(createReadiness(['source']).report()).toEqual({
      ready: false,
      components: { source: { ready: false, reason: 'starting' } },
    });
  });

  it('is ready only when every pushed and probed component is', () => {
    const readiness = createReadiness(['source']);
    let store = { ready: false, reason: 'redis reconnecting' };
    readiness.probe('store', () => store);
    readiness.set('source', true);
    expect(readiness.report()).toEqual({
      ready: false,
      components: {
        source: { ready: true },
        store: { ready: false, reason: 'redis reconnecting' },
      },
    });
    store = { ready: true, reason: '' };
    expect(readiness.report().ready).toBe(true);
    readiness.set('source', false, 'Kafka has answered no fetch or heartbeat for 6 s');
    expect(readiness.report()).toMatchObject({
      ready: false,
      components: { source: { reason: 'Kafka has answered no fetch or heartbeat for 6 s' } },
    });
  });

  it('drops the reason of a ready component and lets a probe replace a pushed state', () => {
    const readiness = createReadiness(['store']);
    readiness.set('store', true, 'ignored');
    expect(readiness.report().components['store']).toEqual({ ready: true });
    readiness.probe('store', () => ({ ready: false, reason: 'probe says no' }));
    expect(readiness.report().components).toEqual({
      store: { ready: false, reason: 'probe says no' },
    });
  });
});
