import { describe, expect, it } from 'vitest';
import { parseStart, parseTopics, planRebuild } from './rebuild-plan.ts';

describe('planRebuild', () => {
  it('requires exactly one mode', () => {
    expect(planRebuild({})).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Choose what to do/),
    });
    expect(planRebuild({ fromOffset: 'earliest', verify: true })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/--from-offset and --verify cannot be combined/),
    });
    expect(planRebuild({ fromSnapshot: true, session: 's-1' })).toMatchObject({ ok: false });
  });

  it('plans a blue/green rebuild from the log start or from an offset', () => {
    expect(planRebuild({ fromOffset: 'earliest' })).toEqual({
      ok: true,
      value: {
        mode: 'from-offset',
        start: { kind: 'earliest' },
        source: 'kafka',
        topics: [
          'cart-events',
          'shipping-events',
          'promotion-events',
          'services-events',
          'payment-events',
        ],
        dryRun: false,
        fetchBytes: undefined,
      },
    });
    expect(planRebuild({ fromOffset: '1200', fetchBytes: '65536' })).toMatchObject({
      ok: true,
      value: { start: { kind: 'offset', offset: 1200n }, fetchBytes: 65536 },
    });
  });

  it('accepts a subset of --topics only where no whole snapshot is replaced', () => {
    expect(planRebuild({ fromOffset: 'earliest', topics: 'cart-events' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/without the other topics' sections/),
    });
    expect(
      planRebuild({ fromOffset: 'earliest', topics: 'cart-events', dryRun: true }),
    ).toMatchObject({
      ok: true,
      value: { topics: ['cart-events'], dryRun: true },
    });
    expect(
      planRebuild({ fromSnapshot: true, topics: 'payment-events, cart-events' }),
    ).toMatchObject({
      ok: true,
      value: { mode: 'from-snapshot', topics: ['cart-events', 'payment-events'] },
    });
    expect(planRebuild({ session: 's-1', topics: 'cart-events' })).toMatchObject({ ok: false });
    expect(planRebuild({ verify: true, topics: 'cart-events', dryRun: true })).toMatchObject({
      ok: false,
    });
  });

  it('plans one session, with an optional explicit partition', () => {
    expect(planRebuild({ session: 's-1-7' })).toEqual({
      ok: true,
      value: {
        mode: 'session',
        sessionId: 's-1-7',
        partition: null,
        topics: expect.any(Array),
        dryRun: false,
      },
    });
    expect(planRebuild({ session: 's', partition: '4' })).toMatchObject({
      ok: true,
      value: { partition: 4 },
    });
    expect(planRebuild({ session: 's', partition: '-1' })).toMatchObject({ ok: false });
    expect(planRebuild({ fromSnapshot: true, partition: '1' })).toMatchObject({
      ok: false,
      error: '--partition applies to --session only.',
    });
    expect(planRebuild({ session: 'x'.repeat(201) })).toMatchObject({ ok: false });
  });

  it('verifies in a scratch generation, or in memory with --dry-run', () => {
    expect(planRebuild({ verify: true })).toEqual({
      ok: true,
      value: { mode: 'verify', inMemory: false, fetchBytes: undefined },
    });
    expect(planRebuild({ verify: true, dryRun: true })).toMatchObject({
      ok: true,
      value: { inMemory: true },
    });
  });

  it('checks the fetch size', () => {
    expect(planRebuild({ verify: true, fetchBytes: '12' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/--fetch-bytes/),
    });
  });
});

describe('--source', () => {
  it('takes the EventStoreDB archive for a rebuild from the start only', () => {
    expect(planRebuild({ fromOffset: 'earliest', source: 'eventstore' })).toMatchObject({
      ok: true,
      value: { mode: 'from-offset', source: 'eventstore' },
    });
    expect(planRebuild({ fromOffset: '100', source: 'eventstore' })).toMatchObject({ ok: false });
    expect(planRebuild({ fromSnapshot: true, source: 'eventstore' })).toMatchObject({ ok: false });
    expect(planRebuild({ fromOffset: 'earliest', source: 's3' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/--source takes kafka or eventstore/),
    });
  });
});

describe('parseStart', () => {
  it('takes earliest or a whole offset', () => {
    expect(parseStart('earliest')).toEqual({ ok: true, value: { kind: 'earliest' } });
    expect(parseStart('0')).toEqual({ ok: true, value: { kind: 'offset', offset: 0n } });
    expect(parseStart('9223372036854775807')).toMatchObject({ ok: true });
    for (const bad of ['', '-1', '1.5', 'latest', '1e3', '9223372036854775808']) {
      expect(parseStart(bad), bad).toMatchObject({ ok: false });
    }
  });
});

describe('parseTopics', () => {
  it('names unknown topics', () => {
    expect(parseTopics('cart-events,orders')).toEqual({
      ok: false,
      error: expect.stringMatching(/unknown: orders\.$/),
    });
    expect(parseTopics(' , ')).toMatchObject({ ok: false });
    expect(parseTopics('cart-events,cart-events')).toEqual({ ok: true, value: ['cart-events'] });
  });
});
