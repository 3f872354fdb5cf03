import { EngineError, topicNames } from '@checkout/engine';
import {
  START,
  UnavailableError,
  type AllStreamResolvedEvent,
  type Position,
  type ReadAllOptions,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { createArchiveReport } from './archive-report.ts';
import { readEventStore, type AllEventsReader, type EventStoreBatch } from './read-eventstore.ts';

const topics = topicNames();

function archivedEvent(
  n: number,
  overrides: { type?: string; metadata?: unknown; streamId?: string } = {},
): AllStreamResolvedEvent {
  const position: Position = { commit: BigInt(n * 100), prepare: BigInt(n * 100) };
  const event = {
    streamId: overrides.streamId ?? `checkout-s-${n % 3}`,
    id: `id-${n}`,
    revision: BigInt(n),
    type: overrides.type ?? 'cart.item_added',
    isJson: true as const,
    data: { event_id: `e-${n}` },
    metadata:
      'metadata' in overrides
        ? overrides.metadata
        : {
            kafka_topic: 'cart-events',
            kafka_partition: n % 2,
            kafka_offset: String(n),
            kafka_key: `s-${n % 3}`,
          },
    created: new Date(0),
    position,
  };
  return { event, commitPosition: position.commit } as AllStreamResolvedEvent;
}

/**
 * `$all` in memory with the server's paging semantics: a read from a position includes the
 * event at that position. `failures` makes the next reads fail.
 */
function fakeAll(
  events: AllStreamResolvedEvent[],
  failures: Error[] = [],
): AllEventsReader & { reads: ReadAllOptions[] } {
  const reads: ReadAllOptions[] = [];
  return {
    reads,
    readAll(options) {
      reads.push(options);
      const failure = failures.shift();
      const from = options.fromPosition;
      const startIndex =
        from === undefined || from === START || from === 'end'
          ? 0
          : events.findIndex((e) => (e.event?.position.commit ?? -1n) >= from.commit);
      const page =
        startIndex < 0 ? [] : events.slice(startIndex, startIndex + Number(options.maxCount));
      return (async function* () {
        if (failure) throw failure;
        yield* page;
      })();
    },
  };
}

async function collect(iterable: AsyncIterable<EventStoreBatch>): Promise<EventStoreBatch[]> {
  const batches: EventStoreBatch[] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

const quick = { baseMs: 1, capMs: 2 };

describe('readEventStore', () => {
  it('reads $all in pages until its end, each event once, in order', async () => {
    const all = fakeAll(Array.from({ length: 7 }, (_, i) => archivedEvent(i + 1)));
    const batches = await collect(readEventStore(all, { topics, pageSize: 3 }));
    expect(batches.map((b) => b.records.map((r) => r.offset))).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
      ['7'],
    ]);
    expect(
      all.reads.map((r) => [
        r.fromPosition === START ? 'start' : (r.fromPosition as Position).commit,
        r.maxCount,
      ]),
    ).toEqual([
      ['start', 3],
      [300n, 4],
      [600n, 4],
    ]);
    expect(batches.at(-1)?.position).toEqual({ commit: 700n, prepare: 700n });
  });

  it('ends after a full last page with one empty read', async () => {
    const all = fakeAll(Array.from({ length: 4 }, (_, i) => archivedEvent(i + 1)));
    const batches = await collect(readEventStore(all, { topics, pageSize: 2 }));
    expect(batches.flatMap((b) => b.records.map((r) => r.offset))).toEqual(['1', '2', '3', '4']);
    expect(all.reads).toHaveLength(3);
  });

  it('yields nothing from an empty database', async () => {
    expect(await collect(readEventStore(fakeAll([]), { topics }))).toEqual([]);
  });

  it('resumes from a given position, inclusive', async () => {
    const all = fakeAll(Array.from({ length: 5 }, (_, i) => archivedEvent(i + 1)));
    const batches = await collect(
      readEventStore(all, { topics, fromPosition: { commit: 400n, prepare: 400n } }),
    );
    expect(batches.flatMap((b) => b.records.map((r) => r.offset))).toEqual(['4', '5']);
  });

  it('counts system, foreign and unmappable events next to the records', async () => {
    const all = fakeAll([
      archivedEvent(1),
      archivedEvent(2, { type: '$metadata', streamId: '$$checkout-s-1' }),
      archivedEvent(3, { type: 'order.placed', metadata: { source: 'orders' } }),
      archivedEvent(4, { metadata: undefined }),
      archivedEvent(5),
    ]);
    const report = createArchiveReport(1);
    for await (const batch of readEventStore(all, { topics, pageSize: 2 })) report.add(batch);
    expect(report.current()).toEqual({
      read: 5,
      records: 2,
      unmappable: {
        count: 1,
        byReason: { missing_metadata: 1 },
        examples: [
          expect.objectContaining({
            eventId: 'id-4',
            streamId: 'checkout-s-1',
            reason: 'missing_metadata',
          }),
        ],
      },
      skipped: { system: 1, foreign: 1, filtered: 0 },
      position: 'C:500/P:500',
    });
  });

  it('retries a page while the server is unavailable, without yielding anything twice', async () => {
    const unavailable = Object.assign(new UnavailableError(), { message: 'connect ECONNREFUSED' });
    const all = fakeAll(
      Array.from({ length: 3 }, (_, i) => archivedEvent(i + 1)),
      [unavailable, unavailable],
    );
    const retries: number[] = [];
    const batches = await collect(
      readEventStore(all, {
        topics,
        pageSize: 5,
        backoff: quick,
        onRetry: (_e, attempt) => retries.push(attempt),
      }),
    );
    expect(batches.flatMap((b) => b.records.map((r) => r.offset))).toEqual(['1', '2', '3']);
    expect(retries).toEqual([0, 1]);
  });

  it('rejects at once with a CONFIGURATION error when the user may not read $all', async () => {
    const denied = Object.assign(new Error('Access denied'), { type: 'access-denied' });
    const reading = collect(
      readEventStore(fakeAll([archivedEvent(1)], [denied]), { topics, backoff: quick }),
    );
    await expect(reading).rejects.toThrow(EngineError);
    await expect(reading).rejects.toMatchObject({
      code: 'CONFIGURATION',
      message: expect.stringContaining('admin or ops user'),
    });
  });

  it('refuses a page size below one', async () => {
    await expect(collect(readEventStore(fakeAll([]), { topics, pageSize: 0 }))).rejects.toThrow(
      RangeError,
    );
  });
});
