import { EngineError, topicPartitionKey, type TopicPartition } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { createAssignmentPositions } from './assignment-positions.ts';
import type { PartitionStart } from './resume-target.ts';

const cart0 = { topic: 'cart-events', partition: 0 };
const pay0 = { topic: 'payment-events', partition: 0 };

/**
 * The store as the engine sees it: `load` returns the starts and, like the engine's
 * resumePositions, makes their checkpoints known; `checkpointOf` is engine.storedCheckpoint.
 */
function loader(starts: Record<string, PartitionStart>) {
  const calls: TopicPartition[][] = [];
  const known = new Map<string, string | null>();
  let failures = 0;
  return {
    calls,
    checkpointOf: (tp: TopicPartition) => known.get(topicPartitionKey(tp.topic, tp.partition)),
    /** What the engine does after a conflict or a store that went back. */
    adopt(key: string, checkpoint: string | null) {
      known.set(key, checkpoint);
    },
    failNext(times = 1) {
      failures = times;
    },
    set(key: string, start: PartitionStart) {
      starts[key] = start;
    },
    /** The broker's watermarks now (the checkpoint in `starts` is not read). */
    watermarksOf: async ({ topic, partition }: TopicPartition) => {
      const start = starts[topicPartitionKey(topic, partition)];
      if (start === undefined) throw new Error(`no such partition ${topic}:${partition}`);
      return { low: start.low, high: start.high };
    },
    load: async (partitions: readonly TopicPartition[]) => {
      calls.push([...partitions]);
      if (failures > 0) {
        failures -= 1;
        throw new EngineError('STORE_UNAVAILABLE', 'down', { canRetry: true });
      }
      const out = new Map<string, PartitionStart>();
      for (const { topic, partition } of partitions) {
        const key = topicPartitionKey(topic, partition);
        const start = starts[key];
        if (start !== undefined) {
          out.set(key, start);
          known.set(key, start.checkpoint);
        }
      }
      return out;
    },
  };
}

const batch = (fetchedOffset: string, tp = cart0, highWatermark = '100') => ({
  ...tp,
  fetchedOffset,
  highWatermark,
});

describe('assignment positions', () => {
  it('processes a batch fetched at the checkpoint and then trusts the partition', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    expect(await positions.decide(batch('10'))).toEqual({ kind: 'process' });
    expect(positions.isVerified('cart-events', 0)).toBe(true);
    expect(await positions.decide(batch('11'))).toEqual({ kind: 'process' });
    expect(store.calls).toHaveLength(1);
  });

  it('answers a batch fetched elsewhere (Kafka committed offset ahead or behind) with a seek', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    expect(await positions.decide(batch('15'))).toEqual({ kind: 'seek', offset: '10' });
    positions.seekIssued('cart-events', 0, '10');
    expect(await positions.decide(batch('10'))).toEqual({ kind: 'process' });
  });

  it('starts a partition without checkpoint at offset 0', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: null, low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    expect(await positions.decide(batch('7'))).toEqual({ kind: 'seek', offset: '0' });
  });

  it('stops on truncated history instead of jumping', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '3', low: '10', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    expect(await positions.decide(batch('10'))).toMatchObject({
      kind: 'fatal',
      error: { code: 'HISTORY_TRUNCATED' },
    });
  });

  it('loads all owned partitions at once, once per assignment', async () => {
    const store = loader({
      'cart-events:0': { checkpoint: '1', low: '0', high: '5' },
      'payment-events:0': { checkpoint: '2', low: '0', high: '5' },
    });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0, pay0]);
    await Promise.all([positions.decide(batch('1')), positions.decide(batch('2', pay0))]);
    expect(store.calls).toEqual([[cart0, pay0]]);
    positions.reset([cart0]);
    expect(positions.isVerified('cart-events', 0)).toBe(false);
    await positions.decide(batch('1'));
    expect(store.calls).toHaveLength(2);
  });

  it('does not cache a failed load', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '1', low: '0', high: '5' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    store.failNext();
    await expect(positions.decide(batch('1'))).rejects.toThrow('down');
    expect(await positions.decide(batch('1'))).toEqual({ kind: 'process' });
  });

  it('drops a decision that straddles a new assignment', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '1', low: '0', high: '5' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    const pending = positions.decide(batch('1'));
    positions.reset([cart0]);
    expect(await pending).toEqual({ kind: 'stale' });
  });

  it('uses the batch high watermark, fresher than the one read at assignment', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '30', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    expect(await positions.decide(batch('30', cart0, '40'))).toEqual({ kind: 'process' });
  });

  it('reloads after a seek that did not take effect, and gives up after repeated misses', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    let decision = await positions.decide(batch('0'));
    for (let attempt = 0; attempt < 10 && decision.kind === 'seek'; attempt += 1) {
      positions.seekIssued('cart-events', 0, decision.offset);
      decision = await positions.decide(batch('0'));
    }
    expect(decision).toMatchObject({
      kind: 'fatal',
      error: { code: 'SOURCE_UNAVAILABLE', canRetry: false },
    });
    expect(store.calls.length).toBeGreaterThan(2);
  });

  it('moves the target past a batch of transaction markers that covers it', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    expect(await positions.decide(batch('11'))).toEqual({ kind: 'seek', offset: '10' });
    positions.seekIssued('cart-events', 0, '10');
    positions.skippedWithoutData('cart-events', 0, '10', '10');
    expect(await positions.decide(batch('11'))).toEqual({ kind: 'process' });
  });

  it('ignores a marker batch that does not cover the target', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    expect(await positions.decide(batch('14'))).toEqual({ kind: 'seek', offset: '10' });
    positions.skippedWithoutData('cart-events', 0, '12', '13');
    expect(await positions.decide(batch('14'))).toEqual({ kind: 'seek', offset: '10' });
  });

  it('re-verifies against the store checkpoint after a write conflict', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    await positions.decide(batch('10'));
    store.adopt('cart-events:0', '15');
    positions.retarget('cart-events', 0);
    expect(positions.isVerified('cart-events', 0)).toBe(false);
    expect(await positions.decide(batch('12'))).toEqual({ kind: 'seek', offset: '15' });
    store.adopt('cart-events:0', null);
    positions.retarget('cart-events', 0);
    expect(await positions.decide(batch('12'))).toEqual({ kind: 'seek', offset: '0' });
  });

  it('judges a re-targeted partition against the log end its batches saw, not the one read at assignment', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    await positions.decide(batch('10', cart0, '20'));
    await positions.decide(batch('20', cart0, '60')); // the log grew while it was consumed
    store.adopt('cart-events:0', '50'); // a conflict: the engine adopted the stored checkpoint
    positions.retarget('cart-events', 0);
    const { targets } = await positions.unverifiedTargets();
    expect(targets).toMatchObject([{ ...cart0, target: { ok: true, offset: '50' } }]);
  });

  it('keeps the log end a batch showed while the watermarks were being loaded', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowLoad = async (partitions: readonly TopicPartition[]) => {
      const read = await store.load(partitions); // the watermarks as they were: high 20
      await gate;
      return read;
    };
    const positions = createAssignmentPositions(slowLoad, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    const first = positions.decide(batch('10', cart0, '20'));
    const later = positions.decide(batch('10', cart0, '60')); // the log grew meanwhile
    release();
    await Promise.all([first, later]);
    store.adopt('cart-events:0', '50'); // a conflict: the engine adopted the stored checkpoint
    positions.retarget('cart-events', 0);
    const { targets } = await positions.unverifiedTargets();
    expect(targets).toMatchObject([{ ...cart0, target: { ok: true, offset: '50' } }]);
  });

  it('judges a checkpoint another writer stored against the log end read now, not one read before it', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    await positions.decide(batch('10', cart0, '20'));
    // The log grew to 60; the other writer (a rebuild that switched, a new owner) consumed it
    // and stored 50; no batch here saw that log end yet.
    store.set('cart-events:0', { checkpoint: '50', low: '0', high: '60' });
    store.adopt('cart-events:0', '50');
    positions.retarget('cart-events', 0);
    const { targets } = await positions.unverifiedTargets();
    expect(targets).toMatchObject([{ ...cart0, target: { ok: true, offset: '50' } }]);
    expect(await positions.decide(batch('12', cart0, '20'))).toEqual({
      kind: 'seek',
      offset: '50',
    });
  });

  it('still raises the alarm when the log end read now is below the checkpoint', async () => {
    const store = loader({ 'cart-events:0': { checkpoint: '10', low: '0', high: '20' } });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0]);
    await positions.decide(batch('10', cart0, '20'));
    store.adopt('cart-events:0', '50');
    positions.retarget('cart-events', 0);
    expect(await positions.decide(batch('12', cart0, '20'))).toMatchObject({
      kind: 'fatal',
      error: { code: 'HISTORY_TRUNCATED', context: { checkpoint: '50', logEnd: '20' } },
    });
  });

  it('lists unverified targets for seeking right after a join', async () => {
    const store = loader({
      'cart-events:0': { checkpoint: '4', low: '0', high: '9' },
      'payment-events:0': { checkpoint: null, low: '2', high: '9' },
    });
    const positions = createAssignmentPositions(store.load, store.checkpointOf, store.watermarksOf);
    positions.reset([cart0, pay0]);
    const { targets } = await positions.unverifiedTargets();
    expect(targets).toMatchObject([
      { ...cart0, target: { ok: true, offset: '4' } },
      { ...pay0, target: { ok: false, error: { code: 'HISTORY_TRUNCATED' } } },
    ]);
  });
});
