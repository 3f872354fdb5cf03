import { initialCheckoutOrder, type CheckoutOrder } from '@checkout/domain';
import { describe, expect, it } from 'vitest';
import { diffValues, judgeSession, type SessionEvidence } from './drift.ts';

function order(
  sessionId: string,
  offsets: Record<string, string>,
  change: (o: CheckoutOrder) => void = () => {},
) {
  const o = initialCheckoutOrder(sessionId);
  o.meta.offsets = offsets;
  o.meta.event_count = Object.keys(offsets).length;
  o.updated_at = '2026-11-01T00:00:00.000Z';
  change(o);
  return o;
}

const checkpoints = (entries: Record<string, string>) => new Map(Object.entries(entries));
const evidence = (overrides: Partial<SessionEvidence>): SessionEvidence => ({
  live: null,
  rebuilt: null,
  liveCheckpoints: checkpoints({ 'cart-events:0': '100', 'payment-events:0': '100' }),
  rebuiltCheckpoints: checkpoints({ 'cart-events:0': '100', 'payment-events:0': '100' }),
  ttlSeconds: 0,
  nowMs: Date.parse('2026-11-02T00:00:00.000Z'),
  ...overrides,
});

describe('judgeSession', () => {
  it('finds equal sessions equal, ignoring the recent-id window', () => {
    const live = order(
      's',
      { 'cart-events:0': '10' },
      (o) => (o.meta.recent_event_ids = ['a', 'b']),
    );
    const rebuilt = order(
      's',
      { 'cart-events:0': '10' },
      (o) => (o.meta.recent_event_ids = ['b', 'a']),
    );
    expect(judgeSession(evidence({ live, rebuilt }))).toEqual({ kind: 'equal' });
  });

  it('reports the fields that differ', () => {
    const live = order('s', { 'cart-events:0': '10' }, (o) => (o.shipping.method = 'dhl'));
    const rebuilt = order('s', { 'cart-events:0': '10' }, (o) => (o.shipping.method = 'inpost'));
    expect(judgeSession(evidence({ live, rebuilt }))).toEqual({
      kind: 'drift',
      reason: 'differs',
      differences: [{ path: 'shipping.method', live: 'dhl', rebuilt: 'inpost' }],
    });
  });

  it('does not compare a session that one side has applied further than the other has read', () => {
    const live = order('s', { 'cart-events:0': '10', 'payment-events:0': '120' });
    const rebuilt = order('s', { 'cart-events:0': '10' });
    const verdict = judgeSession(
      evidence({
        live,
        rebuilt,
        liveCheckpoints: checkpoints({ 'cart-events:0': '100', 'payment-events:0': '121' }),
      }),
    );
    expect(verdict).toEqual({ kind: 'unsettled', field: 'payment-events:0' });
  });

  it('is drift when both sides read past an offset only one of them applied', () => {
    const live = order('s', { 'cart-events:0': '10' });
    const rebuilt = order('s', { 'cart-events:0': '10', 'payment-events:0': '42' });
    expect(judgeSession(evidence({ live, rebuilt }))).toMatchObject({
      kind: 'drift',
      differences: expect.arrayContaining([
        { path: 'meta.offsets.payment-events:0', live: undefined, rebuilt: '42' },
      ]),
    });
  });

  it('tells a session missing live from one that expired by TTL', () => {
    const rebuilt = order('s', { 'cart-events:0': '10' });
    expect(judgeSession(evidence({ rebuilt }))).toEqual({
      kind: 'drift',
      reason: 'missing_in_live',
      differences: [],
    });
    expect(judgeSession(evidence({ rebuilt, ttlSeconds: 3600 }))).toEqual({ kind: 'expired' });
    expect(judgeSession(evidence({ rebuilt, ttlSeconds: 3 * 86_400 }))).toMatchObject({
      kind: 'drift',
    });
    expect(judgeSession(evidence({ live: order('s', { 'cart-events:0': '10' }) }))).toEqual({
      kind: 'drift',
      reason: 'missing_in_rebuild',
      differences: [],
    });
    // A session the live projector has not reached yet is not missing: it is unsettled.
    expect(
      judgeSession(evidence({ rebuilt, liveCheckpoints: checkpoints({ 'cart-events:0': '5' }) })),
    ).toEqual({
      kind: 'unsettled',
      field: 'cart-events:0',
    });
  });
});

describe('diffValues', () => {
  it('walks objects and arrays to the differing leaves, and stops at the limit', () => {
    expect(diffValues({ a: [1, { b: 2 }], c: 'x' }, { a: [1, { b: 3 }, 4], c: 'x' })).toEqual([
      { path: 'a[1].b', live: 2, rebuilt: 3 },
      { path: 'a[2]', live: undefined, rebuilt: 4 },
    ]);
    expect(diffValues(1, 2)).toEqual([{ path: '(root)', live: 1, rebuilt: 2 }]);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect(diffValues(many, {}, 5)).toHaveLength(5);
  });
});
