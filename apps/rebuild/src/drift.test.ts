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

/** Redis's clock in these cases: any instant, the judgement only looks at differences. */
const STORE_NOW = 1_000_000_000_000;
const checkpoints = (entries: Record<string, string>) => new Map(Object.entries(entries));
const evidence = (overrides: Partial<SessionEvidence>): SessionEvidence => ({
  live: null,
  rebuilt: null,
  liveCheckpoints: checkpoints({ 'cart-events:0': '100', 'payment-events:0': '100' }),
  rebuiltCheckpoints: checkpoints({ 'cart-events:0': '100', 'payment-events:0': '100' }),
  ttlSeconds: 0,
  liveLastWriteMs: null,
  storeNowMs: STORE_NOW,
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

  it('tells a session missing live from one that expired by TTL, on the Redis clock alone', () => {
    const rebuilt = order('s', { 'cart-events:0': '10' });
    const missing = { kind: 'drift', reason: 'missing_in_live', differences: [] };
    // No TTL: nothing expires, so a missing snapshot is always drift.
    expect(judgeSession(evidence({ rebuilt }))).toEqual(missing);
    expect(judgeSession(evidence({ rebuilt, liveLastWriteMs: STORE_NOW - 1e9 }))).toEqual(missing);
    const ttl = { rebuilt, ttlSeconds: 3600 };
    // Last written a TTL ago or more: expired, whatever the event times say.
    expect(judgeSession(evidence({ ...ttl, liveLastWriteMs: STORE_NOW - 3_600_000 }))).toEqual({
      kind: 'expired',
    });
    // Written a second ago (old events replayed today, say) and gone: lost, not expired.
    expect(judgeSession(evidence({ ...ttl, liveLastWriteMs: STORE_NOW - 1000 }))).toEqual(missing);
    // The mark is gone too: past its lifetime of two TTLs.
    expect(judgeSession(evidence({ ...ttl, liveLastWriteMs: null }))).toEqual({ kind: 'expired' });
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

  it('names live snapshots folded onto lost history apart from other differences', () => {
    const rebuilt = order('s', { 'cart-events:0': '10' }, (o) => (o.payment.status = 'succeeded'));
    const live = order('s', { 'cart-events:0': '10' }, (o) => {
      o.payment.status = 'succeeded';
      o.meta.history_incomplete = true;
    });
    expect(judgeSession(evidence({ live, rebuilt }))).toEqual({
      kind: 'drift',
      reason: 'history_incomplete',
      differences: [{ path: 'meta.history_incomplete', live: true, rebuilt: undefined }],
    });
    // Both incomplete (a rebuild from a snapshot that carried the mark) and otherwise equal.
    const alsoIncomplete = {
      ...rebuilt,
      meta: { ...rebuilt.meta, history_incomplete: true as const },
    };
    expect(judgeSession(evidence({ live, rebuilt: alsoIncomplete }))).toEqual({ kind: 'equal' });
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
