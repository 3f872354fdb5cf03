import {
  EngineError,
  type BatchOutcome,
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

function message(offset: number): KafkaMessage {
  return {
    key: Buffer.from('s1'),
    value: Buffer.from('{}'),
    timestamp: '0',
    attributes: 0,
    offset: String(offset),
    headers: {},
  };
}

function payload(offsets: number[], fetchedOffset = offsets[0] ?? 0, highWatermark = '100') {
  const resolved: string[] = [];
  const commits: unknown[] = [];
  const batch = {
    topic,
    partition: 1,
    highWatermark,
    fetchedOffset: String(fetchedOffset),
    messages: offsets.map(message),
  };
  const value = {
    batch,
    resolveOffset: (offset: string) => resolved.push(offset),
    heartbeat: vi.fn(async () => {}),
    commitOffsetsIfNecessary: vi.fn(async (offsets: unknown) => {
      commits.push(offsets);
    }),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { value, resolved, commits };
}

function positionsDeciding(decision: StartDecision) {
  return {
    decide: vi.fn(async () => decision),
    seekIssued: vi.fn(),
    retarget: vi.fn(),
  } as unknown as AssignmentPositions & {
    seekIssued: ReturnType<typeof vi.fn>;
    retarget: ReturnType<typeof vi.fn>;
  };
}

function setup(
  options: {
    decision?: StartDecision;
    outcomes?: Array<BatchOutcome | Error>;
    /** What the engine believes stored for the partition. @default undefined (not known) */
    storedCheckpoint?: string | null;
    /** The partition's log start, when asked. @default '0' */
    logStart?: string;
    /** Halt partitions on a history alarm instead of stopping. */
    halts?: boolean;
  } = {},
) {
  const outcomes = [...(options.outcomes ?? [])];
  const seen: SourceRecord[][] = [];
  const engine: ProjectionEngine = {
    resumePositions: async () => new Map(),
    forget: () => {},
    verifyCheckpoints: async () => [],
    storedCheckpoint: () => options.storedCheckpoint,
    processBatch: async (records) => {
      seen.push([...records]);
      const next = outcomes.shift();
      if (next instanceof Error) throw next;
      if (next !== undefined) return next;
      const last = records.at(-1);
      return {
        kind: 'committed',
        next: last ? [{ topic, partition: 1, offset: String(Number(last.offset) + 1) }] : [],
      };
    },
  };
  const readinessChanges: Array<[boolean, string | undefined]> = [];
  const readiness = createSourceReadiness((ready, reason) =>
    readinessChanges.push([ready, reason]),
  );
  readiness.joined();
  const positions = positionsDeciding(options.decision ?? { kind: 'process' });
  const seeks: Array<[string, number, string]> = [];
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
  const handler = createBatchHandler({
    engine,
    positions,
    lag: createConsumerLag(),
    readiness,
    log: silentKafkaLog,
    seek: (...args) => seeks.push(args),
    fail: (error) => failures.push(error),
    logStart: async (t, p) => (logStarts.push([t, p]), options.logStart ?? '0'),
    ...(options.halts === true ? { halts } : {}),
    stopping: stopping.signal,
    heartbeatIntervalMs: 10,
    backoff: { baseMs: 1, capMs: 2 },
    afterCommit: (positions) => committed.push(positions),
  });
  return {
    handler,
    seen,
    positions,
    seeks,
    failures,
    stopping,
    readinessChanges,
    committed,
    logStarts,
    halted,
  };
}

const storeDown = () => new EngineError('STORE_UNAVAILABLE', 'Redis is down', { canRetry: true });

describe('batch handler', () => {
  it('stores the batch, then resolves and commits the stored position', async () => {
    const { handler, seen, committed } = setup();
    const batch = payload([5, 6, 7]);
    await handler(batch.value);
    expect(seen[0]?.map((r) => r.offset)).toEqual(['5', '6', '7']);
    expect(batch.resolved).toEqual(['7']);
    expect(batch.commits).toEqual([
      { topics: [{ topic, partitions: [{ partition: 1, offset: '8' }] }] },
    ]);
    expect(committed).toEqual([[{ topic, partition: 1, offset: '8' }]]);
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

  it('re-verifies the partition after a write conflict, resolving nothing', async () => {
    const conflict: BatchOutcome = {
      kind: 'conflict',
      conflict: { kind: 'checkpoint', subject: 'cart-events:1', expected: '1', actual: '9' },
      resume: new Map([['cart-events:1', '9']]),
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
    const batch = payload([4]);
    vi.mocked(batch.value.commitOffsetsIfNecessary).mockRejectedValueOnce(
      new Error('coordinator moved'),
    );
    await handler(batch.value);
    expect(batch.resolved).toEqual(['4']);
    expect(committed).toHaveLength(1);
  });

  it('folds the batches of one partition number that arrive together as one, merged by time', async () => {
    const { handler, seen, committed } = setup();
    const cart = payload([5, 6]);
    const shipping = payload([40]);
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
