import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldEvents } from './fold-events.ts';
import { applyEvent } from './apply-event.ts';
import { evolve } from './evolve.ts';
import { comparableView } from './comparable-view.ts';
import { initialCheckoutOrder } from './order.ts';
import { getTotals } from './totals.ts';
import { decodeSnapshot, encodeSnapshot, toSnapshot } from './snapshot-codec.ts';
import { parseCheckoutEvent } from './parse.ts';
import {
  concatenated,
  interleave,
  schedule,
  topicStreams,
  type TopicRecord,
} from './test/arbitraries.ts';
import { deepFreeze } from './test/deep-freeze.ts';

const numRuns = 200;
const fold = (records: Iterable<TopicRecord>) => foldEvents('s', records);

describe('fold properties (SPEC §4)', () => {
  it('is deterministic: any interleaving of the per-topic streams folds to the same order', () => {
    fc.assert(
      fc.property(
        topicStreams({ extremes: true }),
        schedule,
        schedule,
        (streams, first, second) => {
          const reference = comparableView(fold(concatenated(streams)));
          expect(comparableView(fold(interleave(streams, first)))).toEqual(reference);
          expect(comparableView(fold(interleave(streams, second)))).toEqual(reference);
        },
      ),
      { numRuns },
    );
  });

  it('is idempotent under redelivery: replaying from any earlier point changes nothing', () => {
    fc.assert(
      fc.property(
        topicStreams({ extremes: true }),
        schedule,
        fc.nat(),
        fc.nat(),
        (streams, choices, a, b) => {
          const records = interleave(streams, choices);
          const expected = fold(records);
          expect(fold([...records, ...records])).toEqual(expected);
          // A consumer that crashed after `stop` records restarts from an older checkpoint `from`.
          const stop = records.length === 0 ? 0 : a % (records.length + 1);
          const from = stop === 0 ? 0 : b % (stop + 1);
          expect(fold([...records.slice(0, stop), ...records.slice(from)])).toEqual(expected);
        },
      ),
      { numRuns },
    );
  });

  it('skips republished duplicates: the same event ids at new offsets change nothing', () => {
    fc.assert(
      fc.property(
        topicStreams({ extremes: false }),
        schedule,
        fc.array(fc.nat()),
        (streams, choices, picks) => {
          const records = interleave(streams, choices);
          const expected = fold(records);
          const lastOffset = 10n ** 18n;
          const republished = picks.flatMap((pick, i) => {
            const original = records[pick % Math.max(records.length, 1)];
            if (original === undefined) return [];
            const offset = (lastOffset + BigInt(i)).toString();
            return [{ event: original.event, position: { ...original.position, offset } }];
          });
          expect(fold([...records, ...republished])).toEqual(expected);
        },
      ),
      { numRuns },
    );
  });

  it('is pure: it never mutates its (deep-frozen) inputs', () => {
    fc.assert(
      fc.property(topicStreams({ extremes: true }), schedule, (streams, choices) => {
        const records = interleave(streams, choices);
        const before = structuredClone(records);
        deepFreeze(records);
        let order = deepFreeze(initialCheckoutOrder('s'));
        const start = structuredClone(order);
        const initial = order;
        for (const { event, position } of records) {
          evolve(order, event);
          const outcome = applyEvent(order, event, position);
          if (outcome.status === 'applied') order = deepFreeze(outcome.order);
          getTotals(order);
          toSnapshot(order);
        }
        expect(records).toEqual(before);
        expect(initial).toEqual(start);
        expect(comparableView(order)).toEqual(comparableView(fold(before)));
      }),
      { numRuns },
    );
  });
});

describe('totals properties (SPEC §2, §4)', () => {
  it('keeps every total an exact non-negative safe integer, discount within the subtotal', () => {
    fc.assert(
      fc.property(topicStreams({ extremes: true }), schedule, (streams, choices) => {
        const totals = getTotals(fold(interleave(streams, choices)));
        const amounts = [
          totals.subtotal_cents,
          totals.shipping_cents,
          totals.services_cents,
          totals.discount_cents,
          totals.grand_total_cents,
          totals.item_count,
        ];
        for (const amount of amounts) {
          expect(Number.isSafeInteger(amount) && amount >= 0).toBe(true);
        }
        expect(totals.discount_cents).toBeLessThanOrEqual(totals.subtotal_cents);
        expect(totals.grand_total_cents).toBe(
          totals.subtotal_cents +
            totals.shipping_cents +
            totals.services_cents -
            totals.discount_cents,
        );
      }),
      { numRuns },
    );
  });
});

describe('codec properties', () => {
  it('round-trips every folded order through the snapshot', () => {
    fc.assert(
      fc.property(topicStreams({ extremes: true }), schedule, (streams, choices) => {
        const order = fold(interleave(streams, choices));
        expect(decodeSnapshot(encodeSnapshot(order))).toEqual({ ok: true, value: order });
      }),
      { numRuns },
    );
  });

  it('parses every generated event back from its wire form', () => {
    fc.assert(
      fc.property(topicStreams({ extremes: true }), (streams) => {
        for (const { event, position } of concatenated(streams)) {
          const parsed = parseCheckoutEvent(Buffer.from(JSON.stringify(event)), position.topic);
          expect(parsed).toEqual({ ok: true, value: { kind: 'event', event } });
        }
      }),
      { numRuns },
    );
  });
});
