import {
  EngineError,
  type BatchOutcome,
  type FoldOutcome,
  type ProjectionEngine,
  type SourceRecord,
} from '@checkout/engine';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import type { AssignmentPositions, StartDecision } from './assignment-positions.ts';
import { createBatchHandler, fetchedOffsetOf } from './batch-handler.ts';
import { createConsumerLag } from './consumer-lag.ts';
import { silentKafkaLog } from './kafka-log.ts';
import type { PartitionHalts } from './partition-halts.ts';
import { createSourceReadiness } from './source-readiness.ts';

const topic = 'cart-events';

function message(offset: number, timestamp = '0'): KafkaMessage {
  return {
    key: Buffer.from('s1'),
    value: Buffer.from('{}'),
    timestamp,
    attributes: 0,
    offset: String(offset),
    headers: {},
  };
}

/** `committing`: what its Kafka offset commits wait for (a slow broker). */
function payload(
  offsets: number[],
  fetchedOffset = offsets[0] ?? 0,
  highWatermark = '100',
  committing?: Promise<void>,
) {
  const resolved: string[] = [];
  const commits: unknown[] = [];
  const batch = {
    topic,
    partition: 1,
    highWatermark,
    fetchedOffset: String(fetchedOffset),
    messages: offsets.map((offset) => message(offset)),
  };
  const value = {
    batch,
    resolveOffset: (offset: string) => resolved.push(offset),
    heartbeat: vi.fn(async () => {}),
    commitOffsetsIfNecessary: vi.fn(async (offsets: unknown) => {
      commits.push(offsets);
      await committing;
    }),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { value, resolved, commits };
}

/** A batch of `topic` whose records, from offset `first` on, carry these Kafka timestamps. */
function timed(topic: string, times: number[], first: number, highWatermark: string) {
  const made = payload([], first, highWatermark);
  Object.assign(made.value.batch, {
    topic,
    messages: times.map((time, i) => message(first + i, String(time))),
  });
  return made;
}

function positionsDeciding(decision: StartDecision) {
  return {
    decide: vi.fn(async () => decision),
    seekIssued: vi.fn(),
    retarget: vi.fn(),
    isVerified: () => true,
  } as unknown as AssignmentPositions & {
    seekIssued: ReturnType<typeof vi.fn>;
    retarget: ReturnType<typeof vi.fn>;
  };
}

function setup(
  options: {
    decision?: StartDecision;
    /** What the folds answer, in turn; then folded, and due when `due` says. */
    outcomes?: Array<FoldOutcome | Error>;
    /** What the wave commits answer, in turn; then committed past the last record folded. */
    commits?: Array<BatchOutcome | Error>;
    /** Whether a wave is due after each fold, and in how many ms. @default not due, 60 s */
    due?: { due: boolean; dueInMs: number };
    /** What the engine's state of the partition ends at. @default undefined (not known) */
    storedCheckpoint?: string | null;
    /** The partition's log start, when asked. @default '0' */
    logStart?: string;
    /** The partition's log end, when asked. @default '100' */
    logEnd?: string;
    /** Halt partitions on a history alarm instead of stopping. */
    halts?: boolean;
    /** How long held records wait for a batch. @default 60 s (longer than any test) */
    maxHoldMs?: number;
    /** Wave commits wait for it (a store that takes its time). */
    storeGate?: Promise<void>;
    /** Least time between Kafka offset commits. @default 0 */
    commitIntervalMs?: number;
    /** Only this partition number's commits wait for storeGate. @default all */
    storeGateOf?: number;
    /** Lanes side by side. @default 1 */
    concurrentBatches?: number;
    /** Folds wait for it, once they have seen their records (a slow load). */
    foldGate?: Promise<void>;
  } = {},
) {
  const outcomes = [...(options.outcomes ?? [])];
  const commits = [...(options.commits ?? [])];
  const seen: SourceRecord[][] = [];
  const waveCommits: number[] = [];
  let lastFolded: SourceRecord | undefined;
  let onWaveCommit: () => void = () => {};
  const engine: ProjectionEngine = {
    resumePositions: async () => new Map(),
    forget: () => {},
    checkpointsBehind: async () => [],
    verifyCheckpoints: async () => [],
    nextOffset: () => options.storedCheckpoint,
    drainChangelog: async () => {},
    processBatch: () => Promise.reject(new Error('the Kafka source folds and commits waves')),
    fold: async (records) => {
      seen.push([...records]);
      await options.foldGate;
      const next = outcomes.shift();
      if (next instanceof Error) throw next;
      if (next !== undefined) return next;
      lastFolded = records.at(-1) ?? lastFolded;
      return {
        kind: 'folded',
        waves: [
          {
            partition: records[0]?.partition ?? 1,
            ...(options.due ?? { due: false, dueInMs: 60_000 }),
          },
        ],
      };
    },
    commitWave: async (partition) => {
      waveCommits.push(partition);
      onWaveCommit();
      if (options.storeGateOf === undefined || options.storeGateOf === partition)
        await options.storeGate;
      const next = commits.shift();
      if (next instanceof Error) throw next;
      if (next !== undefined) return next;
      const last = lastFolded;
      lastFolded = undefined;
      return {
        kind: 'committed',
        next: last ? [{ topic, partition: 1, offset: String(Number(last.offset) + 1) }] : [],
      };
    },
  };
  const waveCommitted = () => new Promise<void>((resolve) => (onWaveCommit = resolve));
  const readinessChanges: Array<[boolean, string | undefined]> = [];
  const readiness = createSourceReadiness((ready, reason) =>
    readinessChanges.push([ready, reason]),
  );
  readiness.joined();
  const positions = positionsDeciding(options.decision ?? { kind: 'process' });
  const seeks: Array<[string, number, string]> = [];
  const repositioned: true[] = [];
  const paused: string[] = [];
  const failures: Error[] = [];
  const stopping = new AbortController();
  const committed: unknown[] = [];
  const logStarts: Array<[string, number]> = [];
  const halted: Array<[string, number, EngineError]> = [];
  const halts: PartitionHalts = {
    halt: (...args) => void halted.push(args),
    isHalted: (t, p) => halted.some(([ht, hp]) => ht === t && hp === p),
    clear: () => void halted.splice(0),
  };
  const lag = createConsumerLag();
  const handler = createBatchHandler({
    engine,
    positions,
    lag,
    readiness,
    log: silentKafkaLog,
    seek: (...args) => seeks.push(args),
    repositionUnverified: () => void repositioned.push(true),
    pause: (partitions) => void paused.push(...partitions.map(({ topic: t }) => `pause ${t}`)),
    resume: (partitions) => void paused.push(...partitions.map(({ topic: t }) => `resume ${t}`)),
    fail: (error) => failures.push(error),
    watermarks: async (t, p) => (
      logStarts.push([t, p]),
      { low: options.logStart ?? '0', high: options.logEnd ?? '100' }
    ),
    ...(options.halts === true ? { halts } : {}),
    stopping: stopping.signal,
    heartbeatIntervalMs: 10,
    maxHoldMs: options.maxHoldMs ?? 60_000,
    ...(options.commitIntervalMs === undefined
      ? {}
      : { commitIntervalMs: options.commitIntervalMs }),
    ...(options.concurrentBatches === undefined
      ? {}
      : { concurrentBatches: options.concurrentBatches }),
    backoff: { baseMs: 1, capMs: 2 },
    afterCommit: (positions) => committed.push(positions),
  });
  return {
    handler: (batch: EachBatchPayload) => handler.eachBatch(batch),
    storePendingWaves: () => handler.storePendingWaves(),
    inLane: handler.inLane,
    waveCommits,
    waveCommitted,
    repositioned,
    paused,
    seen,
    positions,
    seeks,
    failures,
    stopping,
    readinessChanges,
    committed,
    logStarts,
    halted,
    lag,
  };
}

const storeDown = () => new EngineError('STORE_UNAVAILABLE', 'Redis is down', { canRetry: true });

describe('batch handler', () => {
  it('stores a batch that reached the high watermark at once, then commits the stored position', async () => {
    const { handler, seen, committed } = setup();
    const batch = payload([5, 6, 7], 5, '8');
    await handler(batch.value);
    expect(seen[0]?.map((r) => r.offset)).toEqual(['5', '6', '7']);
    expect(batch.resolved).toEqual(['7']);
    expect(batch.commits).toEqual([
      { topics: [{ topic, partitions: [{ partition: 1, offset: '8' }] }] },
    ]);
    expect(committed).toEqual([[{ topic, partition: 1, offset: '8' }]]);
  });

  /**
   * Why: kafkajs fetches again only once every batch of a fetch returned, and the Kafka offset
   * commit (an append to __consumer_offsets, fsynced) took p50 14 ms, p99 120 ms on the
   * bench's broker while the Redis commit took 1.5 ms: awaited in the batch, it held every
   * fresh record back by a broker round trip (the freshness floor of `pnpm bench` phase f).
   * Kafka's offsets are a hint; the batch returns once the store has the wave, the commit
   * follows, one at a time, and a stop waits for it.
   */
  it('returns a caught-up batch once it is stored, without waiting for the Kafka commit', async () => {
    const { handler, storePendingWaves, committed } = setup();
    let release: () => void = () => {};
    const hung = new Promise<void>((resolve) => (release = resolve));
    const first = payload([5, 6, 7], 5, '8', hung);
    await handler(first.value);
    expect(first.commits).toHaveLength(1);
    expect(committed).toEqual([]);
    // Stored meanwhile: its position waits for the commit in flight, then goes in one commit.
    const second = payload([8, 9], 8, '10');
    await handler(second.value);
    const third = payload([10], 10, '11');
    await handler(third.value);
    expect([second.commits, third.commits]).toEqual([[], []]);
    let stopped = false;
    const stop = storePendingWaves().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false); // a stop waits for the commit
    release();
    await stop;
    expect(third.commits).toEqual([
      { topics: [{ topic, partitions: [{ partition: 1, offset: '11' }] }] },
    ]);
    expect(committed).toEqual([
      [{ topic, partition: 1, offset: '8' }],
      [{ topic, partition: 1, offset: '11' }],
    ]);
  });

  it('commits to Kafka at most once per interval, what was stored meanwhile in one commit; a stop commits at once', async () => {
    const { handler, storePendingWaves, committed } = setup({ commitIntervalMs: 60_000 });
    await handler(payload([5, 6, 7], 5, '8').value);
    await vi.waitFor(() => expect(committed).toHaveLength(1));
    await handler(payload([8, 9], 8, '10').value);
    await handler(payload([10], 10, '11').value);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(committed).toHaveLength(1); // the next one waits for the interval
    await storePendingWaves(); // a rebalance or a stop does not wait for it
    expect(committed).toEqual([
      [{ topic, partition: 1, offset: '8' }],
      [{ topic, partition: 1, offset: '11' }],
    ]);
  });

  it('folds a batch behind the high watermark into the wave, fetching on, and stores the wave when its time bound passes', async () => {
    const { handler, committed, waveCommits, waveCommitted } = setup({
      due: { due: false, dueInMs: 50 },
    });
    const stored = waveCommitted();
    const batch = payload([1, 2]);
    await handler(batch.value);
    expect(batch.resolved).toEqual(['2']); // kafkajs fetches the next records meanwhile
    expect([waveCommits, batch.commits, committed]).toEqual([[], [], []]);
    await stored;
    await vi.waitFor(() => expect(committed).toEqual([[{ topic, partition: 1, offset: '3' }]]));
    expect(batch.commits).toEqual([
      { topics: [{ topic, partitions: [{ partition: 1, offset: '3' }] }] },
    ]);
  });

  it('stores a wave as soon as the engine says it is due (full or old), also behind the high watermark', async () => {
    const { handler, committed } = setup({ due: { due: true, dueInMs: 0 } });
    await handler(payload([1, 2]).value);
    expect(committed).toEqual([[{ topic, partition: 1, offset: '3' }]]);
  });

  it('stores the pending waves when asked (a stop, a rebalance), after the group in flight', async () => {
    const { handler, storePendingWaves, committed, waveCommits } = setup();
    await handler(payload([1, 2]).value);
    expect(waveCommits).toEqual([]);
    await storePendingWaves();
    expect(waveCommits).toEqual([1]);
    expect(committed).toEqual([[{ topic, partition: 1, offset: '3' }]]);
    await storePendingWaves(); // nothing pending: nothing to do
    expect(waveCommits).toEqual([1]);
  });

  it('re-verifies the partitions after a wave commit conflicts, committing nothing to Kafka', async () => {
    const conflict: BatchOutcome = {
      kind: 'conflict',
      conflict: { kind: 'checkpoint', subject: 'cart-events:1', expected: '1', actual: '9' },
      resume: new Map([['cart-events:1', '9']]),
      dropped: new Map([['cart-events:1', '1']]),
    };
    const { handler, positions, committed, repositioned, lag } = setup({
      commits: [conflict],
      due: { due: true, dueInMs: 0 },
    });
    const batch = payload([1, 2], 1, '20');
    await handler(batch.value);
    expect(positions.retarget).toHaveBeenCalledWith('cart-events', 1);
    expect([batch.commits, committed]).toEqual([[], []]);
    // The lag follows the store: the seek to 9 may bring no batch to say so.
    expect(lag.snapshot()).toMatchObject([{ nextOffset: '9', lag: 11 }]);
    // Sought back at once: kafkajs fetched past the dropped records, and none may come again.
    expect(repositioned).toHaveLength(1);
  });

  it('seeks to the checkpoint and drops a batch fetched elsewhere, without touching the engine', async () => {
    const { handler, seen, seeks, positions } = setup({ decision: { kind: 'seek', offset: '3' } });
    const batch = payload([9, 10]);
    await handler(batch.value);
    expect(seen).toEqual([]);
    expect(seeks).toEqual([[topic, 1, '3']]);
    expect(positions.seekIssued).toHaveBeenCalledWith(topic, 1, '3');
    expect(batch.resolved).toEqual([]);
  });

  it('stops the source on truncated history', async () => {
    const error = new EngineError('HISTORY_TRUNCATED', 'gone', { canRetry: false });
    const { handler, failures, seen } = setup({ decision: { kind: 'fatal', error } });
    await handler(payload([1]).value);
    expect(failures).toEqual([error]);
    expect(seen).toEqual([]);
  });

  it('retries a transient store failure, reporting not-ready and heartbeating meanwhile', async () => {
    const { handler, seen, readinessChanges } = setup({ outcomes: [storeDown(), storeDown()] });
    const batch = payload([1, 2]);
    await handler(batch.value);
    expect(seen).toHaveLength(3);
    expect(batch.resolved).toEqual(['2']);
    expect(batch.value.heartbeat).toHaveBeenCalled();
    expect(readinessChanges.at(-2)).toEqual([false, 'cannot store the batch: Redis is down']);
    expect(readinessChanges.at(-1)).toEqual([true, undefined]);
  });

  it('abandons the retries when stopping, resolving nothing', async () => {
    const { handler, stopping, failures } = setup({
      outcomes: Array.from({ length: 50 }, storeDown),
    });
    const batch = payload([1]);
    const running = handler(batch.value);
    setTimeout(() => stopping.abort(), 20);
    await running;
    expect(batch.resolved).toEqual([]);
    expect(batch.commits).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('stops the source on a non-retryable engine error', async () => {
    const corrupt = new EngineError('CORRUPT_SNAPSHOT', 'bad document', { canRetry: false });
    const { handler, failures } = setup({ outcomes: [corrupt] });
    const batch = payload([1]);
    await handler(batch.value);
    expect(failures).toEqual([corrupt]);
    expect(batch.resolved).toEqual([]);
  });

  it('re-verifies the partition after a fold conflicts (the store moved generation), resolving nothing', async () => {
    const conflict: FoldOutcome = {
      kind: 'conflict',
      conflict: { kind: 'checkpoint', subject: 'active-generation', expected: 'base', actual: '2' },
      resume: new Map([['cart-events:1', '9']]),
      dropped: new Map([['cart-events:1', '1']]),
    };
    const { handler, positions } = setup({ outcomes: [conflict] });
    const batch = payload([1, 2]);
    await handler(batch.value);
    expect(positions.retarget).toHaveBeenCalledWith('cart-events', 1);
    expect(batch.resolved).toEqual([]);
    expect(batch.commits).toEqual([]);
  });

  it('survives a failed Kafka commit: the stored checkpoint is what counts', async () => {
    const { handler, committed } = setup();
    const batch = payload([4], 4, '5');
    vi.mocked(batch.value.commitOffsetsIfNecessary).mockRejectedValueOnce(
      new Error('coordinator moved'),
    );
    await handler(batch.value);
    expect(batch.resolved).toEqual(['4']);
    expect(committed).toHaveLength(1);
  });

  it('folds the batches of one partition number that arrive together as one, merged by time', async () => {
    const { handler, seen, committed } = setup();
    const cart = payload([5, 6], 5, '7');
    const shipping = payload([40], 40, '41');
    Object.assign(shipping.value.batch, { topic: 'shipping-events' });
    shipping.value.batch.messages[0]!.timestamp = '1';
    cart.value.batch.messages[1]!.timestamp = '2';
    await Promise.all([handler(cart.value), handler(shipping.value)]);
    expect(seen.map((records) => records.map((r) => `${r.topic}@${r.offset}`))).toEqual([
      ['cart-events@5', 'shipping-events@40', 'cart-events@6'],
    ]);
    expect(cart.resolved).toEqual(['6']);
    expect(committed).toEqual([[{ topic, partition: 1, offset: '7' }]]);
  });

  it('holds back records that ran ahead of the slowest topic catching up, pausing it, and folds them once it closes in', async () => {
    const { handler, seen, paused, committed } = setup();
    const cart = timed('cart-events', [1000, 2000], 0, '100');
    const payment = timed('payment-events', [1000, 5000, 9000], 0, '100');
    await Promise.all([handler(cart.value), handler(payment.value)]);
    const folded = (index: number) => seen[index]?.map((r) => `${r.topic}@${r.offset}`);
    // cart reached 2000: payment past 3000 (2000 + 1 s) waits, in memory, its partition paused.
    expect(folded(0)).toEqual(['cart-events@0', 'payment-events@0', 'cart-events@1']);
    expect(paused).toEqual(['pause payment-events']);
    expect(payment.resolved).toEqual(['0', '2']); // kafkajs may fetch past what is held

    const moreCart = timed('cart-events', [6000, 9500], 2, '4'); // cart is caught up
    await handler(moreCart.value);
    expect(folded(1)).toEqual([
      'payment-events@1',
      'cart-events@2',
      'payment-events@2',
      'cart-events@3',
    ]);
    expect(paused).toEqual(['pause payment-events', 'resume payment-events']);
    expect(committed).toHaveLength(0); // payment:1 is still catching up: the wave goes on
  });

  it('folds held records anyway when no batch of their number comes (the slow topic fell silent)', async () => {
    const { handler, seen, paused, committed } = setup({
      maxHoldMs: 20,
      due: { due: false, dueInMs: 30 },
    });
    // cart is not caught up (high watermark 100) but sends nothing more.
    await Promise.all([
      handler(timed('cart-events', [1000], 0, '100').value),
      handler(timed('payment-events', [1000, 9000], 0, '2').value),
    ]);
    expect(paused).toEqual(['pause payment-events']);
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]?.map((r) => `${r.topic}@${r.offset}`)).toEqual(['payment-events@1']);
    expect(paused).toEqual(['pause payment-events', 'resume payment-events']);
    await vi.waitFor(() => expect(committed).toHaveLength(1)); // and the wave is stored
  });

  it('does not count the time a wave is being stored against held records (no batch can come meanwhile)', async () => {
    let openGate = () => {};
    const storeGate = new Promise<void>((resolve) => (openGate = resolve));
    const { handler, seen, waveCommits, committed } = setup({
      maxHoldMs: 20,
      due: { due: false, dueInMs: 1 },
      storeGate,
    });
    await Promise.all([
      handler(timed('cart-events', [1000], 0, '100').value),
      handler(timed('payment-events', [1000, 9000], 0, '2').value),
    ]);
    await vi.waitFor(() => expect(waveCommits).toHaveLength(1)); // the wave's store began
    await new Promise((resolve) => setTimeout(resolve, 100)); // five times maxHoldMs
    openGate();
    for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(committed).toHaveLength(1); // stored
    // kafkajs fetches again now; its batch comes within maxHoldMs, which restarted at the store.
    expect(seen).toHaveLength(1); // payment@1 still held
    await handler(timed('cart-events', [8000, 9500], 1, '100').value);
    expect(seen[1]?.map((r) => `${r.topic}@${r.offset}`)).toEqual([
      'cart-events@1',
      'payment-events@1',
      'cart-events@2',
    ]);
  });

  it('releases held records after ten times maxHoldMs even while other lanes never stop storing', async () => {
    const { handler, seen, waveCommits } = setup({
      maxHoldMs: 20,
      due: { due: true, dueInMs: 0 },
      storeGate: new Promise<void>(() => {}), // partition number 2's store never ends
      storeGateOf: 2,
      concurrentBatches: 2,
    });
    const other = timed('cart-events', [1000], 0, '100');
    Object.assign(other.value.batch, { partition: 2 });
    void handler(other.value);
    await vi.waitFor(() => expect(waveCommits).toEqual([2]));
    await Promise.all([
      handler(timed('cart-events', [1000], 0, '100').value),
      handler(timed('payment-events', [1000, 9000], 0, '2').value),
    ]);
    const held = seen.length; // payment@1 is held back
    await vi.waitFor(() => expect(seen).toHaveLength(held + 1), { timeout: 2000 });
    expect(seen.at(-1)?.map((r) => `${r.topic}@${r.offset}`)).toEqual(['payment-events@1']);
  });

  it('reads the fetched offset kafkajs keeps on its Batch', () => {
    expect(fetchedOffsetOf(payload([3], 2).value.batch)).toBe('2');
  });

  it('processes a batch from the stored checkpoint or below it without asking for the log start', async () => {
    const { handler, seen, logStarts } = setup({ storedCheckpoint: '5' });
    await handler(payload([3, 4, 5, 6]).value);
    expect(seen).toHaveLength(1);
    expect(logStarts).toEqual([]);
  });

  it('passes a batch above the checkpoint when the log still holds the gap (markers)', async () => {
    const { handler, seen, logStarts, halted, failures } = setup({
      storedCheckpoint: '5',
      logStart: '0',
      halts: true,
    });
    await handler(payload([7, 8]).value);
    expect(logStarts).toEqual([[topic, 1]]);
    expect(seen).toHaveLength(1);
    expect([halted, failures]).toEqual([[], []]);
  });

  it('halts the partition, storing nothing, when records above the checkpoint are gone (a reset to the log start)', async () => {
    const { handler, seen, halted, failures } = setup({
      storedCheckpoint: '307',
      logStart: '1226',
      halts: true,
    });
    const batch = payload([1226, 1227], 1226, '1300');
    await handler(batch.value);
    expect(seen).toEqual([]);
    expect(batch.resolved).toEqual([]);
    expect(failures).toEqual([]);
    expect(halted.map(([t, p, error]) => [t, p, error.code, error.context])).toEqual([
      [
        topic,
        1,
        'HISTORY_TRUNCATED',
        { partitionKey: `${topic}:1`, checkpoint: '307', logStart: '1226' },
      ],
    ]);
    await handler(payload([1228], 1228, '1300').value); // halted: later batches are dropped too
    expect(seen).toEqual([]);
  });

  it('stops the source with the alarm when halts are off (checkout-rebuild: exit 5)', async () => {
    const { handler, seen, failures } = setup({ storedCheckpoint: '307', logStart: '1226' });
    await handler(payload([1226], 1226, '1300').value);
    expect(seen).toEqual([]);
    expect(failures).toMatchObject([{ code: 'HISTORY_TRUNCATED' }]);
  });

  it('processes a batch fetched before the log reached a checkpoint another writer stored', async () => {
    const { handler, seen, halted, logStarts } = setup({
      storedCheckpoint: '500',
      logEnd: '520',
      halts: true,
    });
    await handler(payload([90, 91]).value); // high watermark 100, read at its fetch
    expect(logStarts).toEqual([[topic, 1]]);
    expect(seen).toHaveLength(1);
    expect(halted).toEqual([]);
  });

  it('halts a partition whose log ends below the checkpoint (the log went back)', async () => {
    const { handler, seen, halted } = setup({ storedCheckpoint: '500', halts: true });
    await handler(payload([90, 91]).value); // high watermark 100
    expect(seen).toEqual([]);
    expect(halted.map(([, , error]) => error.message)).toEqual([
      expect.stringMatching(/log now ends at 100/),
    ]);
  });

  it('halts the partitions of a batch whose dead letters the topic refuses for good', async () => {
    const refused = new EngineError('DEAD_LETTER_REFUSED', 'MESSAGE_TOO_LARGE', {
      canRetry: false,
    });
    const { handler, halted, failures } = setup({ outcomes: [refused], halts: true });
    const batch = payload([5, 6]);
    await handler(batch.value);
    expect(failures).toEqual([]);
    expect(batch.resolved).toEqual([]);
    expect(halted.map(([t, p, error]) => [t, p, error.code])).toEqual([
      [topic, 1, 'DEAD_LETTER_REFUSED'],
    ]);
  });
});

describe('a task in a partition number lane (inLane, the store watchdog)', () => {
  /**
   * Why: the watchdog adopting a checkpoint that went back while a group folded let the group
   * fold onto the adopted checkpoint records it had checked against the old one, and the
   * replay then skipped those in between as already applied (redis-faults.int.test.ts).
   */
  it('runs between two groups of its number, never while one folds or stores', async () => {
    let release = () => {};
    const foldGate = new Promise<void>((resolve) => (release = resolve));
    const { handler, inLane, seen, waveCommits } = setup({ foldGate });
    const group = handler(payload([5, 6], 5, '7').value); // caught up: stored at once
    await vi.waitFor(() => expect(seen).toHaveLength(1)); // the fold began
    let ran: { folds: number; commits: number } | undefined;
    const task = inLane(1, async () => {
      ran = { folds: seen.length, commits: waveCommits.length };
      return 'adopted';
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toBeUndefined();
    release();
    expect(await task).toBe('adopted');
    await group;
    expect(ran).toEqual({ folds: 1, commits: 1 });
  });

  it('keeps a failing task to itself: the lane goes on, a pending wave stays pending', async () => {
    const { handler, inLane, seen, waveCommits } = setup();
    await handler(payload([5, 6]).value); // high watermark 100: the wave waits
    await expect(inLane(1, () => Promise.reject(new Error('Redis is down')))).rejects.toThrow(
      'Redis is down',
    );
    expect(await inLane(1, async () => 'ok')).toBe('ok');
    expect(waveCommits).toEqual([]);
    await handler(payload([7], 7, '8').value);
    expect(seen).toHaveLength(2);
    expect(waveCommits).toEqual([1]);
  });
});
