import { describe, expect, it } from 'vitest';
import { comparableView, decodeSnapshot, DEFAULT_DOMAIN_CONFIG } from '@checkout/domain';
import {
  createProjectionEngine,
  foldBatch,
  parseBatch,
  topicNames,
  type SourceRecord,
} from '@checkout/engine';
import { generateStream } from '@checkout/generator';
import { createInMemoryDeadLetters } from './in-memory-dead-letters.ts';
import { createInMemoryLog, type InMemoryLog } from './in-memory-log.ts';
import {
  createInMemoryProjectionStore,
  type InMemoryProjectionStore,
} from './in-memory-projection-store.ts';
import { runEmbeddedSource } from './run-embedded-source.ts';

const topics = topicNames();

function fill(log: InMemoryLog, records: number, seed: number) {
  const stream = generateStream({
    seed,
    records,
    duplicateRate: 0.02,
    unknownRate: 0.01,
    poisonRate: 0.01,
    limitSessionRate: 0.02,
  });
  for (const record of stream) log.append(record.topic, record.key, record.value);
}

function allRecords(log: InMemoryLog): SourceRecord[] {
  return topics.physical.flatMap((topic) =>
    Array.from({ length: log.partitions }, (_, partition) =>
      log.read(topic, partition, 0, Number.MAX_SAFE_INTEGER),
    ).flat(),
  );
}

/** The pure fold of every record in the log: what the store must end up holding. */
function referenceFold(log: InMemoryLog) {
  return foldBatch(
    parseBatch(allRecords(log), topics, DEFAULT_DOMAIN_CONFIG),
    new Map(),
    topics,
    DEFAULT_DOMAIN_CONFIG,
  );
}

function storedViews(store: InMemoryProjectionStore) {
  const views = new Map<string, unknown>();
  for (const sessionId of store.sessionIds()) {
    const decoded = decodeSnapshot(store.getDocument(sessionId)!);
    if (!decoded.ok) throw new Error(decoded.error.message);
    views.set(sessionId, comparableView(decoded.value));
  }
  return views;
}

async function drain(
  log: InMemoryLog,
  store: InMemoryProjectionStore,
  deadLetters = createInMemoryDeadLetters(),
  batchSize = 97,
) {
  const engine = createProjectionEngine({ store, deadLetters, topics });
  const controller = new AbortController();
  const total = allRecords(log).length;
  const running = runEmbeddedSource({
    log,
    topics: topics.physical,
    engine,
    signal: controller.signal,
    batchSize,
    idleMs: 1,
  });
  const done = () =>
    [...store.checkpoints().values()].reduce((sum, next) => sum + Number(next), 0) >= total;
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  await running;
  return deadLetters;
}

describe('the engine over the embedded log and store', () => {
  it('stores exactly the pure fold of a generated stream, and dead-letters exactly the poison', async () => {
    const log = createInMemoryLog({ partitions: 3 });
    fill(log, 6000, 7);
    const store = createInMemoryProjectionStore();

    const deadLetters = await drain(log, store);

    const expected = referenceFold(log);
    const views = storedViews(store);
    expect(views.size).toBe(expected.snapshots.length);
    for (const snapshot of expected.snapshots)
      expect(views.get(snapshot.sessionId)).toEqual(comparableView(snapshot.order));
    const byCoordinates = (entry: {
      original: { topic: string; partition: number; offset: string };
    }) => `${entry.original.topic}:${entry.original.partition}:${entry.original.offset}`;
    expect(deadLetters.entries().map(byCoordinates).sort()).toEqual(
      expected.deadLetters.map(byCoordinates).sort(),
    );
    expect(new Set(expected.deadLetters.map((entry) => entry.reason))).toEqual(
      new Set([
        'invalid_json',
        'invalid_envelope',
        'invalid_payload',
        'topic_mismatch',
        'currency_mismatch',
        'amount_overflow',
        'limit_exceeded',
      ]),
    );
  });

  it('replaying the whole log again changes nothing (redelivery is harmless)', async () => {
    const log = createInMemoryLog({ partitions: 2 });
    fill(log, 1500, 11);
    const store = createInMemoryProjectionStore();
    await drain(log, store);
    const before = new Map([...store.sessionIds()].map((id) => [id, store.getDocument(id)]));

    // A consumer that lost its position re-reads everything through the same store.
    const engine = createProjectionEngine({
      store,
      deadLetters: createInMemoryDeadLetters(),
      topics,
    });
    for (const topic of topics.physical) {
      for (let partition = 0; partition < log.partitions; partition += 1) {
        const outcome = await engine.processBatch(
          log.read(topic, partition, 0, Number.MAX_SAFE_INTEGER),
        );
        expect(outcome.kind).toBe('committed');
      }
    }

    expect(new Map([...store.sessionIds()].map((id) => [id, store.getDocument(id)]))).toEqual(
      before,
    );
  });

  it('refuses a stale writer (zombie) and hands it the stored position', async () => {
    const log = createInMemoryLog({ partitions: 1 });
    const store = createInMemoryProjectionStore();
    const live = createProjectionEngine({
      store,
      deadLetters: createInMemoryDeadLetters(),
      topics,
    });
    const zombie = createProjectionEngine({
      store,
      deadLetters: createInMemoryDeadLetters(),
      topics,
    });
    const event = (id: string, sku: string) =>
      JSON.stringify({
        event_id: id,
        event_name: 'cart.item_added',
        aggregate_id: 's-1',
        occurred_at: '2026-11-01T10:00:00Z',
        payload: { sku, quantity: 1, unit_price_cents: 100 },
      });
    log.append('cart-events', 's-1', event('e1', 'A'));
    log.append('cart-events', 's-1', event('e2', 'B'));

    await zombie.resumePositions([{ topic: 'cart-events', partition: 0 }]);
    expect(await live.processBatch(log.read('cart-events', 0, 0, 2))).toMatchObject({
      kind: 'committed',
    });
    const refused = await zombie.processBatch(log.read('cart-events', 0, 0, 1));

    expect(refused).toMatchObject({ kind: 'conflict', resume: new Map([['cart-events:0', '2']]) });
    expect(store.checkpoints().get('cart-events:0')).toBe('2');
    const stored = decodeSnapshot(store.getDocument('s-1')!);
    expect(stored.ok && stored.value.cart.lines.map((line) => line.sku)).toEqual(['A', 'B']);
  });
});
