import { initialCheckoutOrder, encodeSnapshot, type CheckoutOrder } from '@checkout/domain';
import type { BatchWrite } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { commitArguments, parseCommitReply, storedVersionOf } from './commit-script.ts';
import { keyspace } from './keyspace.ts';

function order(sessionId: string, eventCount: number): CheckoutOrder {
  const initial = initialCheckoutOrder(sessionId);
  return { ...initial, meta: { ...initial.meta, event_count: eventCount } };
}

const write: BatchWrite = {
  snapshots: [
    { sessionId: 's1', order: order('s1', 3), expectedVersion: 2, expectedMark: '1764590000123' },
    { sessionId: 's2', order: order('s2', 1), expectedVersion: 0 },
  ],
  checkpoints: [
    { topic: 'cart-events', partition: 0, nextOffset: '10', expected: '7' },
    { topic: 'payment-events', partition: 2, nextOffset: '1', expected: null },
  ],
};

describe('commitArguments', () => {
  it('lists snapshot keys, their marks, then the checkpoint hash, and counts, TTLs and triples as ARGV', () => {
    const { keys, args } = commitArguments(write, keyspace('t', '4'), 'grp', 3600);
    expect(keys).toEqual([
      't:gen:4:order:{s1}',
      't:gen:4:order:{s2}',
      't:gen:4:last-write:{s1}',
      't:gen:4:last-write:{s2}',
      't:gen:4:checkpoint:{grp}',
    ]);
    // prettier-ignore
    expect(args).toEqual([
      '2', '2', '3600', '-', '7200',
      '2', '1764590000123', encodeSnapshot(order('s1', 3)),
      '0', '', encodeSnapshot(order('s2', 1)),
      'cart-events:0', '7', '10',
      'payment-events:2', '', '1',
    ]);
  });

  it('adds the pointer key and the generation written to when guarding the active generation', () => {
    const guarded = commitArguments(write, keyspace('t', '4'), 'grp', 0, true);
    expect(guarded.keys.at(-1)).toBe('t:active-generation');
    expect(guarded.keys).toHaveLength(6);
    expect(guarded.args[3]).toBe('4');
    expect(commitArguments(write, keyspace('t'), 'grp', 0, true).args[3]).toBe('');
  });

  it('sends no checkpoint hash key when the batch has no checkpoints', () => {
    const { keys, args } = commitArguments({ ...write, checkpoints: [] }, keyspace(), 'g', 0);
    expect(keys).toEqual([
      'checkout:order:{s1}',
      'checkout:order:{s2}',
      'checkout:last-write:{s1}',
      'checkout:last-write:{s2}',
    ]);
    expect(args.slice(0, 5)).toEqual(['2', '0', '0', '-', '0']);
  });

  it('refuses a negative or fractional TTL, a session twice, and non-canonical offsets', () => {
    expect(() => commitArguments(write, keyspace(), 'g', -1)).toThrow(RangeError);
    expect(() => commitArguments(write, keyspace(), 'g', 1.5)).toThrow(RangeError);
    const [first] = write.snapshots;
    const twice = { ...write, snapshots: first === undefined ? [] : [first, first] };
    expect(() => commitArguments(twice, keyspace(), 'g', 0)).toThrow(/twice/);
    const padded = {
      snapshots: [],
      checkpoints: [{ topic: 'cart-events', partition: 0, nextOffset: '010', expected: null }],
    };
    expect(() => commitArguments(padded, keyspace(), 'g', 0)).toThrow(/canonical/);
  });
});

describe('parseCommitReply', () => {
  it('reads ok, with the mark its writes got when it wrote any', () => {
    expect(parseCommitReply(['ok', '1764590000456'], write)).toEqual({
      ok: true,
      mark: '1764590000456',
    });
    expect(parseCommitReply(['ok', ''], write)).toEqual({ ok: true });
  });

  it('names the session another writer stored after the write its kept copy came from', () => {
    expect(parseCommitReply(['conflict', 'rewritten', '1', '1764590000999'], write)).toEqual({
      ok: false,
      conflict: {
        kind: 'snapshot',
        subject: 's1',
        expected: 'the write marked 1764590000123',
        actual: 'a write marked 1764590000999',
      },
    });
  });

  it('names the session of a snapshot conflict with its expected and stored versions', () => {
    expect(parseCommitReply(['conflict', 'snapshot', '2', '5'], write)).toEqual({
      ok: false,
      conflict: { kind: 'snapshot', subject: 's2', expected: '0', actual: '5' },
    });
  });

  it('reports an absent checkpoint as "absent" (a flushed Redis)', () => {
    expect(parseCommitReply(['conflict', 'checkpoint', '1', ''], write)).toEqual({
      ok: false,
      conflict: { kind: 'checkpoint', subject: 'cart-events:0', expected: '7', actual: 'absent' },
    });
  });

  it('reports a checkpoint that would move back', () => {
    const result = parseCommitReply(['conflict', 'checkpoint-behind', '1', '12'], write);
    expect(result).toEqual({
      ok: false,
      conflict: {
        kind: 'checkpoint',
        subject: 'cart-events:0',
        expected: 'a checkpoint ≥ 12',
        actual: '10 (would move it back)',
      },
    });
  });

  it('reports a moved active-generation pointer as a checkpoint conflict (resume elsewhere)', () => {
    expect(parseCommitReply(['conflict', 'generation', '', '3'], write)).toEqual({
      ok: false,
      conflict: {
        kind: 'checkpoint',
        subject: 'active-generation',
        expected: 'base',
        actual: 'generation 3',
      },
    });
  });

  it('throws on a reply it does not understand', () => {
    expect(() => parseCommitReply('OK', write)).toThrow(/unexpected/);
    expect(() => parseCommitReply(['conflict', 'snapshot', '9', '1'], write)).toThrow(/unexpected/);
  });
});

describe('storedVersionOf (the commit script’s stored_version, in TypeScript)', () => {
  it('reads meta.event_count of an encoded snapshot without parsing it', () => {
    expect(storedVersionOf(Buffer.from(encodeSnapshot(order('s1', 0))))).toBe(0);
    expect(storedVersionOf(Buffer.from(encodeSnapshot(order('s1', 4321))))).toBe(4321);
  });

  it('falls back to the parsed document when "event_count": is not there exactly once, and says undefined when neither reads', () => {
    expect(storedVersionOf(Buffer.from('{"meta":{"event_count":7},"x":{"event_count":1}}'))).toBe(
      7,
    );
    expect(storedVersionOf(Buffer.from('{"meta":{"event_count": 5}}'))).toBe(5);
    expect(storedVersionOf(Buffer.from('{"meta":{}}'))).toBeUndefined();
    expect(storedVersionOf(Buffer.from('not json'))).toBeUndefined();
  });
});
