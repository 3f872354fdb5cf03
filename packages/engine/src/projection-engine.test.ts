import { describe, expect, it, vi } from 'vitest';
import type { DeadLetterSink } from './ports/dead-letter-sink.ts';
import type { ProjectionStore, StoredSnapshot } from './ports/projection-store.ts';
import type { SnapshotChangelog } from './ports/snapshot-changelog.ts';
import { topicPartitionKey, type SourceRecord } from './ports/source-record.ts';
import { EngineError } from './errors.ts';
import { silentObserver } from './observer.ts';
import { createProjectionEngine } from './projection-engine.ts';
import { topicNames } from './topic-names.ts';

const topics = topicNames('t.');

function added(session: string, offset: number, partition = 0): SourceRecord {
  const event = {
    event_id: `e-${partition}-${offset}`,
    event_name: 'cart.item_added',
    aggregate_id: session,
    occurred_at: '2026-11-01T10:00:00+01:00',
    correlation_id: 'c-1',
    payload: { sku: `SKU-${offset}`, quantity: 1, unit_price_cents: 100 },
  };
  return {
    topic: 't.cart-events',
    partition,
    offset: String(offset),
    key: Buffer.from(session),
    value: Buffer.from(JSON.stringify(event)),
    headers: {},
    timestamp: '1700000000000',
  };
}

/** A compare-and-set store in memory that can lose everything (`flush`) like a wiped Redis. */
function memoryStore() {
  const snapshots = new Map<string, StoredSnapshot>();
  const checkpoints = new Map<string, string>();
  /** Last-write marks: the number of the commit that wrote each session (as Redis's marks). */
  const marks = new Map<string, string>();
  let commits = 0;
  let onLoad: () => void = () => {};
  const store: ProjectionStore & {
    snapshots: typeof snapshots;
    checkpoints: typeof checkpoints;
    /** Another writer (`checkout-rebuild --session`) replaces a snapshot, keeping its version. */
    replace(sessionId: string, snapshot: StoredSnapshot): void;
    flush(): void;
    duringNextLoad(action: () => void): void;
  } = {
    snapshots,
    checkpoints,
    replace(sessionId, snapshot) {
      snapshots.set(sessionId, snapshot);
      marks.set(sessionId, `repair-${++commits}`);
    },
    flush() {
      snapshots.clear();
      checkpoints.clear();
    },
    duringNextLoad(action) {
      onLoad = action;
    },
    async loadSnapshots(ids) {
      const action = onLoad;
      onLoad = () => {};
      action();
      return {
        snapshots: new Map(
          ids.flatMap((id) => (snapshots.has(id) ? [[id, snapshots.get(id)!] as const] : [])),
        ),
        generation: null,
      };
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
      for (const { topic, partition, expected } of write.checkpoints) {
        const key = topicPartitionKey(topic, partition);
        const actual = checkpoints.get(key) ?? null;
        if (actual !== expected) {
          return {
            ok: false,
            conflict: {
              kind: 'checkpoint',
              subject: key,
              expected: expected ?? 'absent',
              actual: actual ?? 'absent',
            },
          };
        }
      }
      for (const { sessionId, expectedVersion, expectedMark } of write.snapshots) {
        const actual = snapshots.get(sessionId)?.version ?? 0;
        if (expectedMark !== undefined && marks.get(sessionId) !== expectedMark) {
          return {
            ok: false,
            conflict: {
              kind: 'snapshot',
              subject: sessionId,
              expected: expectedMark,
              actual: marks.get(sessionId) ?? 'absent',
            },
          };
        }
        if (actual !== expectedVersion) {
          return {
            ok: false,
            conflict: {
              kind: 'snapshot',
              subject: sessionId,
              expected: String(expectedVersion),
              actual: String(actual),
            },
          };
        }
      }
      const mark = String(++commits);
      for (const { sessionId, order } of write.snapshots) {
        snapshots.set(sessionId, { order, version: order.meta.event_count });
        marks.set(sessionId, mark);
      }
      for (const { topic, partition, nextOffset } of write.checkpoints)
        checkpoints.set(topicPartitionKey(topic, partition), nextOffset);
      return write.snapshots.length === 0 ? { ok: true } : { ok: true, mark };
    },
  };
  return store;
}

const noDeadLetters: DeadLetterSink = { publish: async () => {} };

describe('ProjectionEngine.verifyCheckpoints (the store watchdog)', () => {
  it('reports a partition whose stored checkpoint is gone, and replays it from the log start', async () => {
    const store = memoryStore();
    const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    await engine.processBatch([added('s-1', 0), added('s-1', 1), added('s-2', 0, 1)]);
    expect(await engine.verifyCheckpoints()).toEqual([]);

    store.flush();
    const regressions = await engine.verifyCheckpoints();
    expect(regressions).toEqual([
      { topic: 't.cart-events', partition: 0, believed: '2', stored: null },
      { topic: 't.cart-events', partition: 1, believed: '1', stored: null },
    ]);
    // Reported once: the engine now believes what the store holds.
    expect(await engine.verifyCheckpoints()).toEqual([]);

    // The replay from offset 0 is applied, not skipped as "below the checkpoint".
    const outcome = await engine.processBatch([added('s-1', 0), added('s-1', 1)]);
    expect(outcome.kind).toBe('committed');
    expect(store.snapshots.get('s-1')?.version).toBe(2);
    expect(store.checkpoints.get('cart-events:0')).toBe('2');
  });

  it('reports a checkpoint that went back (a restored backup), not one that moved forward', async () => {
    const store = memoryStore();
    const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    await engine.processBatch([added('s-1', 0), added('s-1', 1), added('s-1', 2)]);
    store.checkpoints.set('cart-events:0', '5');
    expect(await engine.verifyCheckpoints()).toEqual([]);
    store.checkpoints.set('cart-events:0', '1');
    expect(await engine.verifyCheckpoints()).toEqual([
      { topic: 't.cart-events', partition: 0, believed: '3', stored: '1' },
    ]);
  });

  it('names the partition numbers behind without adopting anything, and adopts only those asked for', async () => {
    const store = memoryStore();
    const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    await engine.processBatch([added('s-1', 0), added('s-1', 1), added('s-2', 0, 1)]);
    store.flush();
    expect(await engine.checkpointsBehind()).toEqual([0, 1]);
    expect(await engine.checkpointsBehind()).toEqual([0, 1]);
    expect(engine.nextOffset({ topic: 't.cart-events', partition: 0 })).toBe('2');

    expect(await engine.verifyCheckpoints([1])).toEqual([
      { topic: 't.cart-events', partition: 1, believed: '1', stored: null },
    ]);
    expect(engine.nextOffset({ topic: 't.cart-events', partition: 0 })).toBe('2');
    expect(await engine.checkpointsBehind()).toEqual([0]);
  });
});

describe('a batch in flight while the watchdog adopts a flushed checkpoint', () => {
  /**
   * Why: the batch's compare-and-set guard used to be read from the engine's beliefs at the
   * end of the batch. If the store was flushed and the watchdog adopted "no checkpoint"
   * while a batch of offsets 2..3 awaited the store, the batch committed with the guard
   * "absent" (which the flushed store matched) and stored checkpoint 4 over offsets 0..1 it
   * never applied: history lost, silently. The guard is now what the batch started with.
   */
  it('commits nothing over the lost history: the batch conflicts and the partition resumes at 0', async () => {
    const store = memoryStore();
    const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    await engine.processBatch([added('s-1', 0), added('s-1', 1)]);

    store.duringNextLoad(() => {
      store.flush();
      void engine.verifyCheckpoints();
    });
    // s-2 is new, so this batch loads (s-1 is still kept from the last one).
    const outcome = await engine.processBatch([added('s-2', 2), added('s-1', 3)]);

    expect(outcome.kind).toBe('conflict');
    expect(outcome.kind === 'conflict' && Object.fromEntries(outcome.resume)).toEqual({
      't.cart-events:0': null,
    });
    expect(store.checkpoints.size).toBe(0);
    expect(store.snapshots.size).toBe(0);
  });
});

describe('ProjectionEngine dead letters', () => {
  const poison = (offset: number): SourceRecord => ({
    ...added('s-1', offset),
    value: Buffer.from('{not json'),
  });

  it('publishes a batch’s dead letters once, though the batch comes again after a failed commit', async () => {
    const store = memoryStore();
    const published: string[] = [];
    const engine = createProjectionEngine({
      store,
      topics,
      deadLetters: {
        publish: async (entries) => void published.push(...entries.map((e) => e.original.offset)),
      },
    });
    const commit = store.commit.bind(store);
    let failures = 1;
    store.commit = async (write) => {
      if (failures-- > 0) throw new Error('Redis connection reset');
      return commit(write);
    };
    const batch = [added('s-1', 0), poison(1), added('s-1', 2)];
    await expect(engine.processBatch(batch)).rejects.toThrow(/reset/);
    expect(await engine.processBatch(batch)).toMatchObject({ kind: 'committed' });
    expect(published).toEqual(['1']);

    // Past the stored checkpoint, a new poison record is published; a revoke forgets the rest.
    store.commit = async () => {
      throw new Error('Redis connection reset');
    };
    await expect(engine.processBatch([poison(3)])).rejects.toThrow();
    engine.forget([{ topic: 't.cart-events', partition: 0 }]);
    store.commit = commit;
    await engine.processBatch([poison(3)]);
    expect(published).toEqual(['1', '3', '3']);
  });
});

describe('ProjectionEngine batches too large for one commit', () => {
  it('stores a wave in parts, each a guarded commit, the checkpoints with the last', async () => {
    const store = memoryStore();
    const commit = store.commit.bind(store);
    const commits: Array<[snapshots: number, checkpoints: number]> = [];
    store.commit = async (write) => {
      if (write.snapshots.length > 2) {
        throw new EngineError('BATCH_TOO_LARGE', 'too large', {
          canRetry: false,
          context: { bytes: write.snapshots.length * 100, maxCommitBytes: 200 },
        });
      }
      commits.push([write.snapshots.length, write.checkpoints.length]);
      return commit(write);
    };
    const splits: number[] = [];
    const engine = createProjectionEngine({
      store,
      topics,
      deadLetters: noDeadLetters,
      observer: { ...silentObserver, batchSplit: (records) => void splits.push(records) },
    });
    const batch = [0, 1, 2, 3, 4, 5, 6, 7].map((offset) =>
      added(`s-${offset}`, offset, offset % 2),
    );
    const outcome = await engine.processBatch(batch);
    expect(outcome).toEqual({
      kind: 'committed',
      next: [
        { topic: 't.cart-events', partition: 0, offset: '7' },
        { topic: 't.cart-events', partition: 1, offset: '8' },
      ],
    });
    // One wave per partition number, of 4 sessions each: 400 bytes over 200, parts of two.
    expect(splits).toEqual([4, 4]);
    expect(commits).toEqual([
      [2, 0],
      [2, 1],
      [2, 0],
      [2, 1],
    ]);
    expect([...store.snapshots.keys()].sort()).toEqual(batch.map((_, i) => `s-${i}`).sort());
  });

  it('raises the alarm when one record alone is too large', async () => {
    const store = memoryStore();
    store.commit = async () => {
      throw new EngineError('BATCH_TOO_LARGE', 'too large', { canRetry: false });
    };
    const engine = createProjectionEngine({ store, topics, deadLetters: noDeadLetters });
    await expect(engine.processBatch([added('s-1', 0)])).rejects.toMatchObject({
      code: 'BATCH_TOO_LARGE',
    });
  });
});

/**
 * A compacted changelog in memory, shared by members: each partition number keeps its last
 * value per session and its last marker; a member's claim fences the previous claimant, like
 * a transactional id's epoch.
 */
function memoryChangelog() {
  const partitions = new Map<
    number,
    { epoch: number; snapshots: Map<string, number>; marker: Map<string, string> }
  >();
  const at = (partition: number) => {
    let log = partitions.get(partition);
    if (log === undefined)
      partitions.set(partition, (log = { epoch: 0, snapshots: new Map(), marker: new Map() }));
    return log;
  };
  let down = false;
  let publishes = 0;
  return {
    /** event_count of each session's last published snapshot, and the marker. */
    partition: at,
    /** Transactions attempted, failed ones included. */
    publishes: () => publishes,
    setDown(value: boolean) {
      down = value;
    },
    member(): SnapshotChangelog {
      const epochs = new Map<number, number>();
      return {
        async claim(claimed) {
          const markers = new Map<number, Map<string, string>>();
          for (const partition of claimed) {
            const log = at(partition);
            log.epoch += 1;
            epochs.set(partition, log.epoch);
            if (log.marker.size > 0) markers.set(partition, new Map(log.marker));
          }
          return markers;
        },
        async publish({ partition, snapshots, marker }) {
          publishes += 1;
          if (down) throw new Error('changelog down');
          const log = at(partition);
          if (epochs.get(partition) !== log.epoch) return { ok: false, reason: 'fenced' };
          for (const { sessionId, order } of snapshots)
            log.snapshots.set(sessionId, order.meta.event_count);
          log.marker = new Map(marker);
          return { ok: true };
        },
        async release(released) {
          for (const partition of released) epochs.delete(partition);
        },
      };
    },
  };
}

/** An observer that records each changelog trouble's outcome into `trouble`. */
function troubleRecorder(trouble: string[]) {
  return {
    ...silentObserver,
    changelogTrouble: (details: ReadonlyArray<{ outcome: string }>) =>
      trouble.push(...details.map((d) => d.outcome)),
  };
}

describe('ProjectionEngine with a snapshot changelog', () => {
  it('publishes every committed snapshot and a marker at the stored checkpoint', async () => {
    const store = memoryStore();
    const changelog = memoryChangelog();
    const engine = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      changelog: changelog.member(),
    });
    await engine.processBatch([added('s-1', 0), added('s-2', 1)]);
    await engine.processBatch([added('s-1', 2)]);
    await engine.drainChangelog();
    expect(Object.fromEntries(changelog.partition(0).snapshots)).toEqual({ 's-1': 2, 's-2': 1 });
    expect(Object.fromEntries(changelog.partition(0).marker)).toEqual({ 'cart-events:0': '3' });
  });

  /**
   * Why: a crash between the store commit and the publish leaves the changelog a batch behind
   * the store. The restarted member resumes from the store's checkpoint, and its next marker
   * would claim a position past snapshots never published. It must resume from the marker
   * instead and republish what the records in between touched, as the store holds it.
   */
  it('catches up after a publish that failed behind a commit, before moving the marker', async () => {
    const store = memoryStore();
    const changelog = memoryChangelog();
    const first = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      changelog: changelog.member(),
    });
    await first.processBatch([added('s-1', 0)]);
    await first.drainChangelog();
    changelog.setDown(true);
    // Stored without waiting for the changelog, whose send fails behind it (and is retried).
    expect((await first.processBatch([added('s-1', 1), added('s-2', 2)])).kind).toBe('committed');
    await vi.waitFor(() => expect(changelog.publishes()).toBeGreaterThan(1), { timeout: 10_000 });
    expect(store.checkpoints.get('cart-events:0')).toBe('3');

    // The member is gone (it crashed); the next one claims the partition number.
    const next = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      changelog: changelog.member(),
    });
    const resume = await next.resumePositions([{ topic: 't.cart-events', partition: 0 }]);
    changelog.setDown(false);
    await first.drainChangelog(); // its retry is fenced: nothing of it lands
    expect(resume.get('t.cart-events:0')).toBe('1');
    expect(next.nextOffset({ topic: 't.cart-events', partition: 0 })).toBe('1');
    await next.processBatch([added('s-1', 1), added('s-2', 2), added('s-3', 3)]);
    await next.drainChangelog();
    expect(Object.fromEntries(changelog.partition(0).snapshots)).toEqual({
      's-1': 2,
      's-2': 1,
      's-3': 1,
    });
    expect(Object.fromEntries(changelog.partition(0).marker)).toEqual({ 'cart-events:0': '4' });
    expect(next.nextOffset({ topic: 't.cart-events', partition: 0 })).toBe('4');
  });

  it('retries a failed publish with the waves stored after it, in one transaction', async () => {
    const store = memoryStore();
    const changelog = memoryChangelog();
    const trouble: string[] = [];
    const published: number[] = [];
    const engine = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      changelog: changelog.member(),
      observer: {
        ...troubleRecorder(trouble),
        changelogPublished: () => published.push(changelog.publishes()),
      },
    });
    changelog.setDown(true);
    await engine.processBatch([added('s-1', 0)]);
    await vi.waitFor(() => expect(trouble).toContain('failed'), { timeout: 10_000 });
    await engine.processBatch([added('s-1', 1), added('s-2', 2)]);
    changelog.setDown(false);
    // The backoff's own pace (at most a few hundred ms after two failures), not a test's clock.
    await vi.waitFor(
      () =>
        expect(Object.fromEntries(changelog.partition(0).marker)).toEqual({
          'cart-events:0': '3',
        }),
      { timeout: 10_000 },
    );
    expect(Object.fromEntries(changelog.partition(0).snapshots)).toEqual({ 's-1': 2, 's-2': 1 });
    expect(published).toHaveLength(1);
  });

  it('stores the next waves while a publish is in flight, and sends them as one', async () => {
    const store = memoryStore();
    const changelog = memoryChangelog();
    const member = changelog.member();
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sent: number[] = [];
    const engine = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      changelog: {
        ...member,
        async publish(write) {
          sent.push(write.snapshots.length);
          await gate;
          return member.publish(write);
        },
      },
    });
    await engine.processBatch([added('s-1', 0)]);
    await engine.processBatch([added('s-2', 1)]);
    await engine.processBatch([added('s-3', 2), added('s-2', 3)]);
    expect(store.checkpoints.get('cart-events:0')).toBe('4');
    expect(sent).toEqual([1]); // the first wave's transaction is still in flight
    release();
    await engine.drainChangelog();
    expect(sent).toEqual([1, 2]);
    expect(Object.fromEntries(changelog.partition(0).snapshots)).toEqual({
      's-1': 1,
      's-2': 2,
      's-3': 1,
    });
    expect(Object.fromEntries(changelog.partition(0).marker)).toEqual({ 'cart-events:0': '4' });
  });

  it("makes the next store wait once a wave's worth of bytes is queued for the changelog", async () => {
    const store = memoryStore();
    const changelog = memoryChangelog();
    const member = changelog.member();
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const engine = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      waves: { maxBytes: 1 },
      changelog: {
        ...member,
        async publish(write) {
          await gate;
          return member.publish(write);
        },
      },
    });
    await engine.processBatch([added('s-1', 0)]); // sent, in flight
    await engine.processBatch([added('s-2', 1)]); // queued: the queue is full
    let stored = false;
    const third = engine.processBatch([added('s-3', 2)]).then(() => (stored = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stored).toBe(false);
    expect(store.checkpoints.get('cart-events:0')).toBe('2');
    release();
    await third;
    await engine.drainChangelog();
    expect(store.checkpoints.get('cart-events:0')).toBe('3');
    expect(Object.fromEntries(changelog.partition(0).marker)).toEqual({ 'cart-events:0': '3' });
  });

  it('publishes nothing of a wave whose commit conflicts', async () => {
    const store = memoryStore();
    const changelog = memoryChangelog();
    const engine = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      changelog: changelog.member(),
    });
    await engine.processBatch([added('s-1', 0)]);
    store.checkpoints.set('cart-events:0', '5'); // another writer moved on
    expect((await engine.processBatch([added('s-1', 1)])).kind).toBe('conflict');
    await engine.drainChangelog();
    expect(changelog.partition(0).snapshots.get('s-1')).toBe(1);
    expect(Object.fromEntries(changelog.partition(0).marker)).toEqual({ 'cart-events:0': '1' });
  });

  it('publishes nothing from a store that lost data, and raises the alarm', async () => {
    const store = memoryStore();
    const changelog = memoryChangelog();
    const held: number[][] = [];
    const options = {
      store,
      deadLetters: noDeadLetters,
      topics,
      observer: { ...silentObserver, changelogHeld: (p: readonly number[]) => held.push([...p]) },
    };
    const first = createProjectionEngine({ ...options, changelog: changelog.member() });
    await first.processBatch([added('s-1', 0), added('s-1', 1)]);
    await first.drainChangelog();
    store.flush();

    const next = createProjectionEngine({ ...options, changelog: changelog.member() });
    expect(
      (await next.resumePositions([{ topic: 't.cart-events', partition: 0 }])).get(
        't.cart-events:0',
      ),
    ).toBeNull();
    await next.processBatch([added('s-1', 0)]);
    await next.drainChangelog();
    expect(held).toEqual([[0]]);
    expect(changelog.partition(0).snapshots.get('s-1')).toBe(2);
    expect(Object.fromEntries(changelog.partition(0).marker)).toEqual({ 'cart-events:0': '2' });
  });

  it('a member whose partition was claimed by another publishes nothing after the claim', async () => {
    const store = memoryStore();
    const changelog = memoryChangelog();
    const trouble: string[] = [];
    const zombie = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      changelog: changelog.member(),
      observer: troubleRecorder(trouble),
    });
    await zombie.processBatch([added('s-1', 0)]);
    await zombie.drainChangelog();
    const owner = createProjectionEngine({
      store,
      deadLetters: noDeadLetters,
      topics,
      changelog: changelog.member(),
    });
    await owner.resumePositions([{ topic: 't.cart-events', partition: 0 }]);
    // The zombie's commit lands (the store's guard still matches), its publish is fenced.
    await zombie.processBatch([added('s-1', 1)]);
    await zombie.drainChangelog();
    expect(trouble).toEqual(['fenced']);
    expect(changelog.partition(0).snapshots.get('s-1')).toBe(1);
    // Its next conflict does not make it claim the partition back from the owner.
    await zombie.resumePositions([{ topic: 't.cart-events', partition: 0 }]);
    // The owner's commit conflicts, it resumes from the marker and republishes the zombie's batch.
    const conflict = await owner.processBatch([added('s-1', 1)]);
    expect(conflict.kind).toBe('conflict');
    expect(owner.nextOffset({ topic: 't.cart-events', partition: 0 })).toBe('1');
    await owner.processBatch([added('s-1', 1), added('s-1', 2)]);
    await owner.drainChangelog();
    expect(changelog.partition(0).snapshots.get('s-1')).toBe(3);
    expect(Object.fromEntries(changelog.partition(0).marker)).toEqual({ 'cart-events:0': '3' });
  });
});

describe('ProjectionEngine waves', () => {
  function counting(store: ReturnType<typeof memoryStore>) {
    const loads: string[][] = [];
    const commits: Array<{ snapshots: string[]; checkpoints: string[] }> = [];
    const load = store.loadSnapshots.bind(store);
    const commit = store.commit.bind(store);
    store.loadSnapshots = async (ids) => {
      if (ids.length > 0) loads.push([...ids]);
      return load(ids);
    };
    store.commit = async (write) => {
      commits.push({
        snapshots: write.snapshots.map((s) => s.sessionId),
        checkpoints: write.checkpoints.map((c) => `${c.topic}:${c.partition}@${c.nextOffset}`),
      });
      return commit(write);
    };
    return { loads, commits };
  }

  it('folds batch after batch, loading each session once, and stores the wave with one commit', async () => {
    const store = memoryStore();
    const { loads, commits } = counting(store);
    const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    await engine.fold([added('s-1', 0), added('s-2', 1)]);
    await engine.fold([added('s-1', 2), added('s-3', 3)]);
    const status = await engine.fold([added('s-2', 4)]);
    expect(status).toEqual({
      kind: 'folded',
      waves: [{ partition: 0, due: false, dueInMs: expect.any(Number) as number }],
    });
    expect(store.snapshots.size).toBe(0); // nothing stored yet
    expect(engine.nextOffset({ topic: 't.cart-events', partition: 0 })).toBe('5');

    expect(await engine.commitWave(0)).toEqual({
      kind: 'committed',
      next: [{ topic: 't.cart-events', partition: 0, offset: '5' }],
    });
    expect(loads).toEqual([['s-1', 's-2'], ['s-3']]);
    expect(commits).toEqual([
      { snapshots: ['s-1', 's-2', 's-3'], checkpoints: ['cart-events:0@5'] },
    ]);
    expect(store.snapshots.get('s-1')?.version).toBe(2);
    // The next wave folds onto the sessions the last one stored: nothing is loaded again.
    await engine.processBatch([added('s-1', 5)]);
    expect(loads).toHaveLength(2);
    expect(store.snapshots.get('s-1')?.version).toBe(3);
  });

  it('is due once its sessions pass the byte bound, or once its time bound passes', async () => {
    let clock = 1000;
    const engine = createProjectionEngine({
      store: memoryStore(),
      deadLetters: noDeadLetters,
      topics,
      waves: { maxBytes: 3000, maxMs: 500 },
      now: () => clock,
    });
    expect(await engine.fold([added('s-1', 0)])).toMatchObject({
      waves: [{ partition: 0, due: false, dueInMs: 500 }],
    });
    clock += 200;
    expect(await engine.fold([added('s-2', 1)])).toMatchObject({
      waves: [{ partition: 0, due: false, dueInMs: 300 }],
    });
    // A third new session passes 3000 bytes (each counts about 1 KiB and its events).
    expect(await engine.fold([added('s-3', 2)])).toMatchObject({ waves: [{ due: true }] });
    await engine.commitWave(0);
    expect(await engine.fold([added('s-4', 3)])).toMatchObject({ waves: [{ due: false }] });
    clock += 500;
    expect(await engine.fold([added('s-4', 4)])).toMatchObject({
      waves: [{ due: true, dueInMs: 0 }],
    });
  });

  it('changes no wave when a fold fails: the retry counts and applies every record once', async () => {
    const store = memoryStore();
    const applied: number[] = [];
    let failures = 1;
    const engine = createProjectionEngine({
      store,
      topics,
      deadLetters: {
        publish: async () => {
          if (failures-- > 0) throw new Error('broker unreachable');
        },
      },
      observer: {
        ...silentObserver,
        batchProcessed: ({ outcomes }) =>
          applied.push(
            outcomes.filter((o) => o.outcome === 'applied').reduce((n, o) => n + o.count, 0),
          ),
      },
    });
    await engine.fold([added('s-1', 0)]);
    const withPoison = [added('s-1', 1), { ...added('s-1', 2), value: Buffer.from('{') }];
    await expect(engine.fold(withPoison)).rejects.toThrow(/unreachable/);
    expect(engine.nextOffset({ topic: 't.cart-events', partition: 0 })).toBe('1');
    await engine.fold(withPoison);
    await engine.commitWave(0);
    expect(applied).toEqual([2]);
    expect(store.snapshots.get('s-1')?.version).toBe(2);
  });

  it('drops the wave when its commit conflicts, and resumes from the store', async () => {
    const store = memoryStore();
    const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    await engine.processBatch([added('s-1', 0)]);
    await engine.fold([added('s-1', 1), added('s-1', 2)]);
    store.checkpoints.set('cart-events:0', '2'); // another writer moved on
    const outcome = await engine.commitWave(0);
    expect(outcome).toMatchObject({
      kind: 'conflict',
      resume: new Map([['t.cart-events:0', '2']]),
      dropped: new Map([['t.cart-events:0', '1']]),
    });
    expect(engine.nextOffset({ topic: 't.cart-events', partition: 0 })).toBe('2');
    expect(await engine.commitWave(0)).toEqual({ kind: 'committed', next: [] });
  });

  it('drops a wave whose partition the watchdog finds gone back, bringing its other partitions back too', async () => {
    const store = memoryStore();
    const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    const shipping = (offset: number): SourceRecord => ({
      ...added('s-1', offset),
      topic: 't.shipping-events',
      value: Buffer.from(
        JSON.stringify({
          event_id: `ship-${offset}`,
          event_name: 'shipping.address_set',
          aggregate_id: 's-1',
          occurred_at: '2026-11-01T10:00:00+01:00',
          payload: { country: 'PL', city: 'Kraków', postal_code: '30-001', line1: 'Rynek 1' },
        }),
      ),
    });
    await engine.processBatch([added('s-1', 0), shipping(0)]);
    await engine.fold([added('s-1', 1), shipping(1)]);
    store.checkpoints.set('cart-events:0', '0'); // a restore from an older backup
    expect(await engine.verifyCheckpoints()).toEqual([
      { topic: 't.cart-events', partition: 0, believed: '1', stored: '0' },
      { topic: 't.shipping-events', partition: 0, believed: '2', stored: '1' },
    ]);
    expect(engine.nextOffset({ topic: 't.shipping-events', partition: 0 })).toBe('1');
  });

  it('drops the wave of a revoked partition: the next owner folds its records again', async () => {
    const engine = createProjectionEngine({
      store: memoryStore(),
      deadLetters: noDeadLetters,
      topics,
    });
    await engine.fold([added('s-1', 0)]);
    engine.forget([{ topic: 't.cart-events', partition: 0 }]);
    expect(engine.nextOffset({ topic: 't.cart-events', partition: 0 })).toBeUndefined();
    expect(await engine.commitWave(0)).toEqual({ kind: 'committed', next: [] });
  });

  describe('sessions kept across waves', () => {
    function engineCountingLoads(waves: { workingSetMaxBytes?: number } = {}) {
      const store = memoryStore();
      const { loads } = counting(store);
      const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics, waves });
      return { store, loads, engine };
    }

    it('lets go of the kept sessions of a partition number whose commit conflicts', async () => {
      const { store, loads, engine } = engineCountingLoads();
      await engine.processBatch([added('s-1', 0), added('s-2', 1)]);
      // Another writer (the partition's next owner, a zombie) stored newer sessions and moved on.
      for (const id of ['s-1', 's-2'])
        store.snapshots.set(id, { ...store.snapshots.get(id)!, version: 5 });
      store.checkpoints.set('cart-events:0', '6');
      const outcome = await engine.processBatch([added('s-1', 2)]);
      expect(outcome).toMatchObject({
        kind: 'conflict',
        resume: new Map([['t.cart-events:0', '6']]),
      });
      expect(store.snapshots.get('s-1')?.version).toBe(5);
      // What the conflict revealed holds for s-2 as well: it is loaded, not folded onto the kept one.
      expect(await engine.processBatch([added('s-2', 6)])).toMatchObject({ kind: 'committed' });
      expect(loads).toEqual([['s-1', 's-2'], ['s-2']]);
    });

    it('never writes a kept copy over a document another writer replaced at the same version', async () => {
      const { store, loads, engine } = engineCountingLoads();
      await engine.processBatch([added('s-1', 0)]);
      // checkout-rebuild --session: the same events, refolded (here: a line renamed).
      const stored = store.snapshots.get('s-1')!;
      const [line] = stored.order.cart.lines;
      const repaired = {
        ...stored.order,
        cart: { ...stored.order.cart, lines: [{ ...line!, name: 'repaired' }] },
      };
      store.replace('s-1', { order: repaired, version: stored.version });
      expect(await engine.processBatch([added('s-1', 1)])).toMatchObject({
        kind: 'conflict',
        conflict: { kind: 'snapshot', subject: 's-1' },
      });
      expect(await engine.processBatch([added('s-1', 1)])).toMatchObject({ kind: 'committed' });
      expect(loads).toEqual([['s-1'], ['s-1']]);
      expect(store.snapshots.get('s-1')?.order.cart.lines[0]?.name).toBe('repaired');
      expect(store.snapshots.get('s-1')?.version).toBe(2);
    });

    it('keeps nothing from a store that marks no writes: the version alone cannot guard a copy', async () => {
      const store = memoryStore();
      const { loads } = counting(store);
      const commit = store.commit.bind(store);
      store.commit = async (write) => {
        const result = await commit(write);
        return result.ok ? { ok: true } : result;
      };
      const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
      await engine.processBatch([added('s-1', 0)]);
      await engine.processBatch([added('s-1', 1)]);
      expect(loads).toEqual([['s-1'], ['s-1']]);
    });

    it('lets the least recently kept go to stay within WORKING_SET_MAX_BYTES, pending waves counted', async () => {
      // A new session counts about 1 KiB and its events: room for about two.
      const { loads, engine } = engineCountingLoads({ workingSetMaxBytes: 2500 });
      await engine.processBatch([added('s-1', 0)]);
      await engine.processBatch([added('s-2', 1)]);
      await engine.processBatch([added('s-3', 2)]); // s-1 goes
      await engine.processBatch([added('s-3', 3), added('s-2', 4)]);
      expect(loads).toEqual([['s-1'], ['s-2'], ['s-3']]);
      // A pending wave of two sessions leaves no room for the kept ones.
      await engine.fold([added('s-4', 5), added('s-5', 6)]);
      await engine.processBatch([added('s-2', 7)]);
      expect(loads.slice(3)).toEqual([['s-4', 's-5'], ['s-2']]);
    });

    it('keeps none with WORKING_SET_MAX_BYTES 0: every wave loads what it touches', async () => {
      const { store, loads, engine } = engineCountingLoads({ workingSetMaxBytes: 0 });
      await engine.processBatch([added('s-1', 0)]);
      await engine.processBatch([added('s-1', 1)]);
      expect(loads).toEqual([['s-1'], ['s-1']]);
      expect(store.snapshots.get('s-1')?.version).toBe(2);
    });

    it('lets go of a revoked partition number and of one the watchdog finds gone back', async () => {
      const { store, loads, engine } = engineCountingLoads();
      await engine.processBatch([added('s-1', 0), added('s-2', 0, 1)]);
      engine.forget([{ topic: 't.cart-events', partition: 0 }]);
      await engine.resumePositions([{ topic: 't.cart-events', partition: 0 }]);
      await engine.processBatch([added('s-1', 1)]);
      expect(loads).toEqual([['s-1', 's-2'], ['s-1']]);

      const backup = { s2: store.snapshots.get('s-2')!, checkpoint: '1' };
      await engine.processBatch([added('s-2', 1, 1)]);
      expect(store.snapshots.get('s-2')?.version).toBe(2);
      store.snapshots.set('s-2', backup.s2); // a restore from an older backup
      store.checkpoints.set('cart-events:1', backup.checkpoint);
      expect(await engine.verifyCheckpoints()).toHaveLength(1);
      expect(await engine.processBatch([added('s-2', 1, 1)])).toMatchObject({ kind: 'committed' });
      expect(loads.at(-1)).toEqual(['s-2']);
      expect(store.snapshots.get('s-2')?.version).toBe(2);
    });

    it('lets go of kept sessions of another generation when a load names a new one (a blue/green switch)', async () => {
      const store = memoryStore();
      const { loads } = counting(store);
      const load = store.loadSnapshots.bind(store);
      let generation: string | null = null;
      store.loadSnapshots = async (ids) => ({ ...(await load(ids)), generation });
      const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
      await engine.processBatch([added('s-1', 0)]);
      generation = '2'; // the rebuilt generation holds s-1 too, at the same checkpoint
      await engine.processBatch([added('s-2', 1), added('s-1', 2)]);
      expect(loads).toEqual([['s-1'], ['s-2'], ['s-2', 's-1']]);
    });
  });

  it('refuses to go on folding a wave onto sessions of another store generation', async () => {
    const store = memoryStore();
    const load = store.loadSnapshots.bind(store);
    let generation: string | null = null;
    store.loadSnapshots = async (ids) => ({ ...(await load(ids)), generation });
    const engine = createProjectionEngine({ store, deadLetters: noDeadLetters, topics });
    await engine.fold([added('s-1', 0)]);
    generation = '2'; // a blue/green switch the store followed
    expect(await engine.fold([added('s-2', 1)])).toMatchObject({
      kind: 'conflict',
      conflict: { subject: 'active-generation', expected: 'base', actual: '2' },
    });
    expect(engine.nextOffset({ topic: 't.cart-events', partition: 0 })).toBeNull();
  });
});
