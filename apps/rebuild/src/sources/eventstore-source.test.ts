import {
  createProjectionEngine,
  EngineError,
  topicNames,
  topicPartitionKey,
  type DeadLetterEntry,
  type ProjectionStore,
  type SourceRecord,
  type StoredSnapshot,
  type WriteConflict,
} from '@checkout/engine';
import type { EventStoreBatch, UnmappableEvent } from '@checkout/eventstore';
import { describe, expect, it } from 'vitest';
import { replayFromEventStore, ReplayConflictError } from './eventstore-source.ts';

const topics = topicNames('prod.');
const quick = { baseMs: 1, capMs: 2 };

/** A ProjectionStore in memory with the contract's compare-and-set, plus fault switches. */
function fakeStore() {
  const snapshots = new Map<string, StoredSnapshot>();
  const checkpoints = new Map<string, string>();
  const faults = { unavailable: 0, conflicts: 0 };
  const store: ProjectionStore = {
    async loadSnapshots(sessionIds) {
      const found = sessionIds.flatMap((id) =>
        snapshots.has(id) ? [[id, snapshots.get(id) as StoredSnapshot] as const] : [],
      );
      return { snapshots: new Map(found), generation: null };
    },
    async loadCheckpoints(partitions) {
      const found = new Map<string, string>();
      for (const { topic, partition } of partitions) {
        const value = checkpoints.get(topicPartitionKey(topic, partition));
        if (value !== undefined) found.set(topicPartitionKey(topic, partition), value);
      }
      return found;
    },
    async commit(write) {
      if (faults.unavailable > 0) {
        faults.unavailable -= 1;
        throw new EngineError('STORE_UNAVAILABLE', 'Redis is down', { canRetry: true });
      }
      if (faults.conflicts > 0) {
        faults.conflicts -= 1;
        const conflict: WriteConflict = {
          kind: 'checkpoint',
          subject: 'cart-events:0',
          expected: 'null',
          actual: '1',
        };
        return { ok: false, conflict };
      }
      for (const { sessionId, order, expectedVersion } of write.snapshots) {
        if ((snapshots.get(sessionId)?.version ?? 0) !== expectedVersion) {
          return {
            ok: false,
            conflict: {
              kind: 'snapshot',
              subject: sessionId,
              expected: String(expectedVersion),
              actual: 'other',
            },
          };
        }
        snapshots.set(sessionId, { order, version: order.meta.event_count });
      }
      for (const { topic, partition, nextOffset } of write.checkpoints)
        checkpoints.set(topicPartitionKey(topic, partition), nextOffset);
      return { ok: true };
    },
  };
  return { store, snapshots, checkpoints, faults };
}

function engineOn(store: ProjectionStore, deadLettered: DeadLetterEntry[] = []) {
  return createProjectionEngine({
    store,
    topics,
    deadLetters: { publish: async (entries) => void deadLettered.push(...entries) },
  });
}

function added(sessionId: string, offset: number, sku: string, partition = 0): SourceRecord {
  const envelope = {
    event_id: `${sessionId}-${offset}`,
    event_name: 'cart.item_added',
    aggregate_id: sessionId,
    occurred_at: '2026-01-01T10:00:00Z',
    payload: { sku, quantity: 1, unit_price_cents: 250 },
  };
  return {
    topic: 'prod.cart-events',
    partition,
    offset: String(offset),
    key: Buffer.from(sessionId),
    value: Buffer.from(JSON.stringify(envelope)),
    headers: { 'esdb-event-id': `id-${offset}`, 'esdb-stream': `checkout-${sessionId}` },
    timestamp: '1767261600000',
  };
}

const orphan: UnmappableEvent = {
  reason: 'missing_metadata',
  message: 'no Kafka coordinates',
  eventId: 'id-x',
  streamId: 'checkout-x',
  eventType: 'cart.cleared',
};

function page(
  n: number,
  records: SourceRecord[],
  extra: Partial<EventStoreBatch> = {},
): EventStoreBatch {
  return {
    records,
    unmappable: [],
    skipped: { system: 0, foreign: 0, filtered: 0 },
    read: records.length,
    position: { commit: BigInt(n), prepare: BigInt(n) },
    ...extra,
  };
}

async function* pages(...batches: EventStoreBatch[]): AsyncGenerator<EventStoreBatch> {
  yield* batches;
}

describe('replayFromEventStore', () => {
  it('feeds every archived record to the engine, stores the checkpoints in Kafka coordinates and reports what it could not map', async () => {
    const { store, snapshots, checkpoints } = fakeStore();
    const deadLettered: DeadLetterEntry[] = [];
    const poison = { ...added('s-2', 5, 'X', 1), value: Buffer.from('{not json') };
    const progress: number[] = [];

    const result = await replayFromEventStore({
      engine: engineOn(store, deadLettered),
      batches: pages(
        page(1, [added('s-1', 0, 'A'), added('s-1', 1, 'B')]),
        page(2, [], {
          unmappable: [orphan],
          skipped: { system: 2, foreign: 1, filtered: 0 },
          read: 4,
        }),
        page(3, [added('s-2', 4, 'C', 1), poison]),
      ),
      onProgress: (p) => progress.push(p.records),
    });

    expect(result).toEqual({
      complete: true,
      batches: 2,
      conflicts: 0,
      archive: {
        read: 8,
        records: 4,
        unmappable: { count: 1, byReason: { missing_metadata: 1 }, examples: [orphan] },
        skipped: { system: 2, foreign: 1, filtered: 0 },
        position: 'C:3/P:3',
      },
      next: { 'prod.cart-events:0': '2', 'prod.cart-events:1': '6' },
    });
    expect(snapshots.get('s-1')?.order.cart.lines.map((line) => line.sku)).toEqual(['A', 'B']);
    expect(snapshots.get('s-2')?.order.meta.offsets).toEqual({ 'cart-events:1': '4' });
    expect([...checkpoints]).toEqual([
      ['cart-events:0', '2'],
      ['cart-events:1', '6'],
    ]);
    expect(
      deadLettered.map((entry) => [
        entry.reason,
        entry.original.offset,
        entry.original.headers['esdb-stream'],
      ]),
    ).toEqual([['invalid_json', '5', 'checkout-s-2']]);
    expect(progress).toEqual([2, 4]);
  });

  it('continues a generation that already holds part of the history: what is stored is skipped', async () => {
    const { store, snapshots } = fakeStore();
    await replayFromEventStore({
      engine: engineOn(store),
      batches: pages(page(1, [added('s-1', 0, 'A')])),
    });
    const again = await replayFromEventStore({
      engine: engineOn(store),
      batches: pages(page(1, [added('s-1', 0, 'A'), added('s-1', 1, 'B')])),
    });
    expect(again.next).toEqual({ 'prod.cart-events:0': '2' });
    expect(snapshots.get('s-1')?.order.cart.lines.map((line) => [line.sku, line.quantity])).toEqual(
      [
        ['A', 1],
        ['B', 1],
      ],
    );
  });

  it('retries a batch while the store is unavailable', async () => {
    const { store, faults, snapshots } = fakeStore();
    faults.unavailable = 2;
    const retries: number[] = [];
    const result = await replayFromEventStore({
      engine: engineOn(store),
      batches: pages(page(1, [added('s-1', 0, 'A')])),
      backoff: quick,
      onRetry: (_error, attempt) => retries.push(attempt),
    });
    expect(retries).toEqual([0, 1]);
    expect(result.complete).toBe(true);
    expect(snapshots.get('s-1')?.order.meta.event_count).toBe(1);
  });

  it('processes a batch again after a write conflict, and gives up when conflicts persist', async () => {
    const once = fakeStore();
    once.faults.conflicts = 1;
    const result = await replayFromEventStore({
      engine: engineOn(once.store),
      batches: pages(page(1, [added('s-1', 0, 'A')])),
    });
    expect(result.conflicts).toBe(1);
    expect(once.snapshots.get('s-1')?.order.meta.event_count).toBe(1);

    const always = fakeStore();
    always.faults.conflicts = 100;
    const failing = replayFromEventStore({
      engine: engineOn(always.store),
      batches: pages(page(1, [added('s-1', 0, 'A')])),
      maxConflicts: 2,
    });
    await expect(failing).rejects.toThrow(ReplayConflictError);
    await expect(failing).rejects.toThrow(/2 write conflicts in a row on checkpoint cart-events:0/);
  });

  it('stops between batches when aborted, and says the replay is incomplete', async () => {
    const { store, snapshots } = fakeStore();
    const stop = new AbortController();
    const result = await replayFromEventStore({
      engine: engineOn(store),
      batches: pages(page(1, [added('s-1', 0, 'A')]), page(2, [added('s-2', 1, 'B')])),
      signal: stop.signal,
      onProgress: () => stop.abort(),
    });
    expect(result.complete).toBe(false);
    expect([...snapshots.keys()]).toEqual(['s-1']);
  });

  it('rethrows a failure that retrying cannot fix', async () => {
    const { store } = fakeStore();
    const broken: ProjectionStore = {
      ...store,
      commit: async () =>
        Promise.reject(new EngineError('CORRUPT_SNAPSHOT', 'bad document', { canRetry: false })),
    };
    await expect(
      replayFromEventStore({
        engine: engineOn(broken),
        batches: pages(page(1, [added('s-1', 0, 'A')])),
      }),
    ).rejects.toThrow('bad document');
  });
});
