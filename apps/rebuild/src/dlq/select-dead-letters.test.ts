import { topicNames } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import type { DeadLetter, DlqPosition } from './dead-letter-record.ts';
import { formatListing, formatReplay } from './format-dead-letters.ts';
import type { DeadLetterListing } from './list-dead-letters.ts';
import { createTally, planReplay, type DlqItem } from './select-dead-letters.ts';
import { deadLetterEntry } from './test-entries.ts';

const topics = topicNames('prod.');
const member = (at: DlqPosition) => `dlq:${at.partition}:${at.offset}`;

function item(
  offset: number,
  original: { topic?: string; partition?: number; offset?: string } = {},
  reason = 'currency_mismatch',
): DlqItem {
  return {
    at: { partition: 0, offset: String(offset) },
    entry: deadLetterEntry({
      reason: reason as never,
      original: { topic: 'prod.cart-events', offset: String(100 + offset), ...original },
    }),
  };
}

describe('createTally', () => {
  it('counts every reason, keeps the matching entries up to the limit and every unreadable message', () => {
    const tally = createTally({ reason: 'currency_mismatch', limit: 1 });
    const letters: DeadLetter[] = [
      { kind: 'entry', ...item(0) },
      { kind: 'entry', ...item(1, {}, 'invalid_json') },
      { kind: 'unreadable', at: { partition: 0, offset: '2' }, problem: 'the value is not JSON' },
      { kind: 'entry', ...item(3) },
      // The same poison record published twice (a crash between publish and commit).
      { kind: 'entry', ...item(4, { offset: '103' }) },
    ];
    letters.forEach(tally.add);
    const result = tally.result();
    expect(result).toMatchObject({
      total: 5,
      byReason: { currency_mismatch: 2, invalid_json: 1 },
      duplicates: 1,
      matchedCount: 3,
    });
    expect(result.matched.map(({ at }) => at.offset)).toEqual(['0']);
    expect(result.unreadable).toEqual([
      { at: { partition: 0, offset: '2' }, problem: 'the value is not JSON' },
    ]);
  });
});

describe('planReplay', () => {
  it('replays each poison record once, in original order, and only to checkout topics', () => {
    const entries = [
      item(0, { partition: 2, offset: '9' }),
      item(1, { partition: 1, offset: '50' }),
      item(2, { partition: 1, offset: '7' }),
      item(3, { partition: 1, offset: '50' }), // the same poison record published twice
      item(4, { topic: 'orders' }),
    ];
    const plan = planReplay(entries, { replayed: new Set(), member, topics });
    expect(plan.replay.map(({ at }) => at.offset)).toEqual(['2', '1', '0']);
    expect(plan.skipped.map(({ at, why }) => [at.offset, why])).toEqual([
      ['3', 'duplicate'],
      ['4', 'not_checkout_topic'],
    ]);
  });

  it('skips what an earlier run replayed, copies of it included', () => {
    const entries = [item(0), item(1), item(2, { offset: '100' })];
    const plan = planReplay(entries, {
      replayed: new Set([member({ partition: 0, offset: '0' })]),
      member,
      topics,
    });
    expect(plan.replay.map(({ at }) => at.offset)).toEqual(['1']);
    expect(plan.skipped.map(({ at, why }) => [at.offset, why])).toEqual([
      ['0', 'already_replayed'],
      ['2', 'duplicate'],
    ]);
  });
});

describe('human output', () => {
  it('prints one line per entry, then the counts', () => {
    const listing: DeadLetterListing = {
      topic: 'dlq',
      exists: true,
      total: 3,
      by_reason: { currency_mismatch: 2 },
      duplicates: 0,
      reason: 'currency_mismatch',
      matched: 2,
      entries: [{ dlq: { partition: 0, offset: '0' }, ...deadLetterEntry() }],
      unreadable: [{ dlq: { partition: 1, offset: '4' }, problem: 'the value is not JSON' }],
    };
    expect(formatListing(listing)).toEqual([
      'currency_mismatch cart-events[1]@41  cart.item_added e-1  (dlq 0:0)  payload.currency: EUR differs from the configured PLN',
      'unreadable        (dlq 1:4)  the value is not JSON',
      '2 of 3 dead letters in dlq with reason currency_mismatch, 1 shown (--limit).',
      'By reason: currency_mismatch 2; unreadable 1.',
    ]);
    expect(formatListing({ ...listing, exists: false })).toEqual([
      'No dead-letter topic dlq yet: nothing was dead-lettered.',
    ]);
  });

  it('summarizes a replay', () => {
    const lines = formatReplay({
      topic: 'dlq',
      dry_run: false,
      reason: null,
      total: 2,
      matched: 2,
      replayed: 1,
      would_replay: 0,
      skipped: {
        already_replayed: 1,
        duplicate: 0,
        not_checkout_topic: 0,
        original_gone: 0,
        original_mismatch: 0,
        not_its_partition: 0,
      },
      unreadable: 0,
      entries: [],
    });
    expect(lines).toEqual(['Replayed 1 of 2 dead letters from dlq; skipped: already_replayed 1.']);
  });
});
