import { compareOffsets, offsetAfter } from '@checkout/domain';
import {
  EngineError,
  parseTopicPartitionKey,
  retryTransient,
  sleepUnlessAborted,
  topicPartitionKey,
  type BackoffOptions,
  type Conflict,
  type ProjectionEngine,
  type SourceRecord,
  type TopicPartition,
} from '@checkout/engine';
import type { Batch, EachBatchPayload } from 'kafkajs';
import type { AssignmentPositions } from './assignment-positions.ts';
import type { ConsumerLag } from './consumer-lag.ts';
import { batchHeartbeats, type BatchHeartbeats } from './heartbeats.ts';
import { isTransientError } from './kafka-errors.ts';
import type { KafkaLog } from './kafka-log.ts';
import { batchContinuity, judgeAgainstLog } from './log-continuity.ts';
import { mergedSlices, recordsOf } from './merged-slices.ts';
import { haltReasonOf, type PartitionHalts } from './partition-halts.ts';
import type { ReplayState } from './replay-state.ts';
import { createPartitionLanes } from './partition-lanes.ts';
import { alignInTime, type PartitionReach, type PartitionRun } from './time-alignment.ts';
import type { SourceReadiness } from './source-readiness.ts';
import type { PartitionWatermarks } from './topic-layout.ts';

const DEFAULT_MAX_RECORDS_PER_BATCH = 2000;

/** A position the source committed to Kafka after the engine stored it. */
export interface CommittedPosition {
  topic: string;
  partition: number;
  /** Next offset to read. */
  offset: string;
}

export interface BatchHandlerOptions {
  engine: ProjectionEngine;
  positions: AssignmentPositions;
  lag: ConsumerLag;
  readiness: SourceReadiness;
  log: KafkaLog;
  seek(topic: string, partition: number, offset: string): void;
  /**
   * Seeks every partition not verified yet to where the engine's state ends: after a
   * conflict dropped a wave whose records kafkajs has fetched past (no batch might come to
   * answer with a seek, if nothing more is produced there).
   */
  repositionUnverified(): void;
  /** Pauses and resumes fetching partitions whose records are held (time-alignment.ts). */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /**
   * How far (record time) a partition's records may run ahead of the slowest partition of its
   * number still catching up before they are held back (time-alignment.ts). @default 1000
   */
  maxSkewMs?: number;
  /**
   * How long held records wait for a batch of their partition number before they are folded
   * anyway (a partition that holds the others back may fall silent). @default 1000
   */
  maxHoldMs?: number;
  /**
   * Least time between two Kafka offset commits, each carrying every position stored since
   * the last. Offsets are a hint (the Redis checkpoint is where a partition resumes), so fewer
   * appends to `__consumer_offsets` cost nothing but where kafkajs starts fetching after a
   * crash. A rebalance or a stop commits at once. @default 0 (one commit after another)
   */
  commitIntervalMs?: number;
  /** Stops the source with a non-retryable error (the batch is left unresolved). */
  fail(error: Error): void;
  /**
   * The partition's watermarks read from the broker now, asked when a batch starts above its
   * checkpoint or ends below it (log-continuity.ts).
   */
  watermarks(topic: string, partition: number): Promise<PartitionWatermarks>;
  /**
   * Where a `HISTORY_TRUNCATED` alarm goes: `halts` stops that partition only; without it the
   * alarm stops the source (`fail`), as `checkout-rebuild` wants (exit code 5).
   */
  halts?: PartitionHalts;
  /** Told when a conflict shows a stored checkpoint went back, and of every stored position. */
  replay?: ReplayState;
  /** Aborted when the source is stopping: retries end, the batch in hand is left unresolved. */
  stopping: AbortSignal;
  heartbeatIntervalMs: number;
  /**
   * Most groups in flight at once, each of a different partition number (partition-lanes.ts).
   * @default 1
   */
  concurrentBatches?: number;
  /**
   * Most records handed to the engine at once: a fetch of compressed records can hold tens of
   * thousands per partition, and everything the engine builds for a batch (parsed events,
   * snapshots, the commit script's arguments) lives until it is stored. @default 2000
   */
  maxRecordsPerBatch?: number;
  backoff?: BackoffOptions;
  afterCommit?: (positions: readonly CommittedPosition[]) => void;
}

/**
 * kafkajs `eachBatch` (one topic-partition per call, `eachBatchAutoResolve: false`). Every
 * batch joins its partition number's lane; a lane runs the batches it received together as
 * one group (partition-lanes.ts):
 *   1. check each batch starts where the engine's state of its partition ends, else seek
 *      there and drop that batch (assignment-positions.ts);
 *   2. fold the rest into the partition number's wave, in slices of at most
 *      `maxRecordsPerBatch` records merged in timestamp order across the group's partitions
 *      (merged-slices.ts), retrying transient failures with backoff and heartbeats; each
 *      folded slice's offsets are resolved, so kafkajs fetches on while the wave grows;
 *   3. store the wave (engine.commitWave) when it is due (its bytes or its age), when every
 *      batch of the group reached its high watermark (caught up: stored at once, so
 *      freshness does not wait for a wave), at a stop and at a rebalance; otherwise a timer
 *      stores it when its time bound passes. Stored positions are committed to Kafka behind
 *      the batches, which do not wait for it (a hint only: the store's checkpoints are where
 *      a partition resumes; a stop and a rebalance wait for it). On `conflict`, the
 *      partitions are re-verified against the store's checkpoints, which seeks if needed.
 * Kafka's offsets are committed only for what is stored, never for a pending wave.
 */
export interface BatchHandler {
  eachBatch(payload: EachBatchPayload): Promise<void>;
  /**
   * Stores every pending wave, each in its lane after the group in flight there (a stop, a
   * rebalance). Resolves when they are stored or given up (stopping, the store down), and
   * what was stored is committed to Kafka.
   */
  storePendingWaves(): Promise<void>;
  /** A new assignment: drops what is held back and resumes it (time-alignment.ts). */
  assignmentChanged(): void;
  /**
   * Runs `task` in the lane of a partition number, between two of its groups: nothing of that
   * number is folded or stored meanwhile. For what changes where the engine's state of a
   * partition ends (the store watchdog adopting a checkpoint that went back): a group checked
   * against the old end must not go on folding onto the new one. The task's outcome is its
   * own; the lane's groups are not affected by it.
   */
  inLane<T>(partitionNumber: number, task: () => Promise<T>): Promise<T>;
}

/** Records fetched but held back until the other topics of their number catch up. */
interface HeldRecords {
  partition: TopicPartition;
  records: SourceRecord[];
  highWatermark: string;
  /** engine.nextOffset of the partition when they were held: they continue from there. */
  from: string | null | undefined;
}

/** One partition's records at hand in a group: held ones, then its new batch's. */
interface GroupRun extends PartitionRun {
  partition: TopicPartition;
  highWatermark: string;
}

/** A lane item that stores the lane's pending wave. */
const STORE_WAVE = Symbol('store the pending wave');
/** How many times maxHoldMs stores in flight may postpone releasing held records. */
const MAX_HOLD_POSTPONED = 10;

/** A lane item that folds what the lane holds back, aligned or not (no batch came for it). */
const RELEASE_HELD = Symbol('fold the held records');
/** A lane item that runs before the group's batches (`inLane`); it never throws. */
interface LaneTask {
  run(): Promise<void>;
}
type LaneItem = EachBatchPayload | typeof STORE_WAVE | typeof RELEASE_HELD | LaneTask;

const isPayload = (item: LaneItem): item is EachBatchPayload =>
  typeof item === 'object' && 'batch' in item;
const isTask = (item: LaneItem): item is LaneTask => typeof item === 'object' && 'run' in item;

export function createBatchHandler(options: BatchHandlerOptions): BatchHandler {
  const { engine, positions, lag, log } = options;
  const sliceSize = options.maxRecordsPerBatch ?? DEFAULT_MAX_RECORDS_PER_BATCH;
  const maxSkewMs = options.maxSkewMs ?? 1000;
  const maxHoldMs = options.maxHoldMs ?? 1000;
  const lanes = createPartitionLanes<LaneItem>(options.concurrentBatches ?? 1, handleGroup);
  /** Partition numbers with a pending wave, and the timer that stores it when it is due. */
  const pending = new Map<number, NodeJS.Timeout | undefined>();
  /** The last batch of each partition number: its consumer commits a timer's stored offsets. */
  const lastPayloadOf = new Map<number, EachBatchPayload>();
  /** Per `"topic:partition"`, the last record folded: its time is the stored lag's, once stored. */
  const lastFolded = new Map<string, SourceRecord>();
  /** Per `"topic:partition"`, records fetched but held back (time-alignment.ts); paused meanwhile. */
  const held = new Map<string, HeldRecords>();
  /** Per `"topic:partition"`, how far it got and whether it is caught up (time-alignment.ts). */
  const reaches = new Map<string, PartitionReach & TopicPartition>();
  /** Per partition number holding records back, the timer that folds them if no batch comes. */
  const releaseTimers = new Map<number, { timer: NodeJS.Timeout; heldSince: number }>();
  /** Waves being stored now, in any lane: held records' time does not run meanwhile. */
  let storesInFlight = 0;
  /**
   * Stored positions not yet committed to Kafka, newest per partition, and the commit in
   * flight. Kafka's offsets are a hint (the Redis checkpoint is where a partition resumes), so
   * no batch waits for them: kafkajs fetches again only once every batch of a fetch returned,
   * and an awaited OffsetCommit (an append to __consumer_offsets, fsynced) held every fresh
   * record back by one broker round trip (p50 14 ms, p99 120 ms on the bench's broker, against
   * 1.5 ms for the Redis commit that makes them readable). One commit at a time, carrying all
   * that was stored meanwhile, so they never overtake each other.
   */
  const uncommitted = new Map<string, CommittedPosition>();
  let committing: Promise<void> | undefined;
  let commitVia: EachBatchPayload | undefined;
  /** Aborted by a rebalance or a stop: the wait between two commits ends, they commit now. */
  let commitNow = new AbortController();
  /** Rebalances or stops waiting for the commits: no wait between them meanwhile. */
  let flushing = 0;
  options.stopping.addEventListener('abort', () => {
    for (const timer of pending.values()) clearTimeout(timer);
    for (const { timer } of releaseTimers.values()) clearTimeout(timer);
  });

  return {
    eachBatch: (payload) => lanes.submit(payload.batch.partition, payload),
    async storePendingWaves() {
      await Promise.allSettled([...pending.keys()].map((n) => lanes.submit(n, STORE_WAVE)));
      flushing += 1;
      commitNow.abort();
      commitNow = new AbortController();
      try {
        while (committing !== undefined) await committing;
      } finally {
        flushing -= 1;
      }
    },
    assignmentChanged() {
      // Positions stored under the old assignment: the next wave of a partition still owned
      // commits it again, and one moved away is the new owner's to commit.
      uncommitted.clear();
      // kafkajs fetches from the committed offsets again, and the join seeks to the engine's.
      const paused = [...held.values()].map(({ partition }) => partition);
      held.clear();
      reaches.clear();
      if (paused.length > 0) options.resume(paused);
    },
    inLane(partitionNumber, task) {
      return new Promise((resolve, reject) => {
        const run = () => task().then(resolve, reject);
        lanes.submit(partitionNumber, { run }).catch(reject);
      });
    },
  };

  async function handleGroup(partitionNumber: number, items: LaneItem[]) {
    const obsoleteBatch = (payload: EachBatchPayload) =>
      options.stopping.aborted || !payload.isRunning() || payload.isStale();
    for (const item of items) if (isTask(item)) await item.run();
    const payloads = items.filter(isPayload);
    let group = payloads.filter((payload) => !obsoleteBatch(payload));
    const [first] = group;
    // No batch came for what is held since RELEASE_HELD was set: fold it without aligning.
    const release =
      first === undefined && items.includes(RELEASE_HELD) && holdsAny(partitionNumber);
    if (first === undefined && !release) {
      // A store timer, a stop, or batches gone stale: the pending wave goes now (a task alone
      // leaves it be).
      const tasksOnly = items.every(isTask);
      if (!tasksOnly && pending.has(partitionNumber))
        await storeWave(partitionNumber, NO_HEARTBEATS);
      return;
    }
    if (first !== undefined) lastPayloadOf.set(partitionNumber, first);
    for (const { batch } of group) observeFetched(lag, batch);
    const label = group.map(({ batch }) => topicPartitionKey(batch.topic, batch.partition));
    // Any batch's heartbeat will do: it is the consumer's. Without one, kafkajs beats itself.
    const heartbeats =
      first === undefined
        ? NO_HEARTBEATS
        : batchHeartbeats(first.heartbeat, options.heartbeatIntervalMs, (error) =>
            log.debug({ err: error, partitions: label }, 'Kafka heartbeat failed during a batch'),
          );
    const obsolete = () => heartbeats.membershipChanged || group.some(obsoleteBatch);
    const retry = retrying(
      options,
      heartbeats,
      obsolete,
      label.join(',') || `partition number ${partitionNumber}`,
      (error) => group.forEach(({ batch }) => alarm(batch.topic, batch.partition, error)),
    );

    dropStaleHeld(partitionNumber);
    const verified = await verifiedBatches(group, retry);
    if (verified === undefined) return;
    // A join seeks every partition not verified yet, and may have done so while this group
    // awaited its positions: such a batch is stale, and its records come again from the seek.
    group = verified.filter((payload) => !obsoleteBatch(payload));
    // With no batch left, what is held may still go: a partition that held it back halted.
    if (group.length === 0 && !holdsAny(partitionNumber)) return;

    const runs = runsOf(partitionNumber, group);
    const aligned = release
      ? { fold: runs.map(({ records }) => [...records]), hold: new Map<string, SourceRecord[]>() }
      : alignInTime(runs, reachesBesides(partitionNumber, runs), maxSkewMs);
    if (release) log.debug({ partitionNumber }, 'Folding held records: no batch came for them');
    // Slices: what the engine parses and loads at once stays bounded by the slice, not by the
    // fetch (which a compressed topic can make very large); the wave by its own limits.
    const byPartition = new Map(
      group.map((payload) => [
        topicPartitionKey(payload.batch.topic, payload.batch.partition),
        payload,
      ]),
    );
    let due = false;
    let dueInMs = 0;
    let folded = false;
    for (const records of mergedSlices(aligned.fold, sliceSize)) {
      if (folded && obsolete()) return dropHeld(runs);
      const outcome = await heartbeats.during(() =>
        retry('store the batch', () => engine.fold(records)),
      );
      if (outcome === undefined) return dropHeld(runs);
      if (outcome.kind === 'conflict') {
        dropHeld(runs);
        onConflict(outcome);
        return;
      }
      folded = true;
      pending.set(partitionNumber, pending.get(partitionNumber));
      for (const [key, record] of lastRecordPerPartition(records)) {
        byPartition.get(key)?.resolveOffset(record.offset);
        lastFolded.set(key, record);
      }
      const wave = outcome.waves.find(({ partition }) => partition === partitionNumber);
      due = wave?.due ?? true;
      dueInMs = wave?.dueInMs ?? 0;
      if (due && !(await storeWave(partitionNumber, heartbeats, retry))) return dropHeld(runs);
    }
    hold(runs, aligned.hold, byPartition);
    releaseLater(partitionNumber);
    if (!pending.has(partitionNumber)) return;
    const caughtUp = aligned.hold.size === 0 && runs.every((run) => run.caughtUp);
    if (caughtUp || due || obsolete()) await storeWave(partitionNumber, heartbeats, retry);
    else storeLater(partitionNumber, dueInMs);
  }

  /**
   * Held records wait for a batch of their number to fold them: the partition holding them
   * back is fetched on and sends one. Should none come within maxHoldMs (it fell silent, or
   * what is known of it is out of date), they are folded anyway: holding back only changes
   * when records are folded, never the result, and must never keep them from being stored.
   *
   * Time spent storing a wave does not count: kafkajs fetches again only once every batch of
   * the last fetch returned, so while any lane stores (a second and more per wave when
   * catching up) no batch of any number can come. Counting that time released held records
   * that the next batch would have aligned; the topics drifted apart, and at 1M records the
   * sessions were written 1.5 to 3 times instead of about once (BENCHMARKS.md). So the wait
   * starts again, whole, when the last store in flight ends; stores that never stop
   * overlapping (other numbers' waves) postpone it up to MAX_HOLD_POSTPONED times only.
   */
  function releaseLater(partitionNumber: number, heldSince = performance.now()): void {
    clearTimeout(releaseTimers.get(partitionNumber)?.timer);
    releaseTimers.delete(partitionNumber);
    if (!holdsAny(partitionNumber) || options.stopping.aborted) return;
    const timer = setTimeout(() => {
      const postponable = performance.now() - heldSince < MAX_HOLD_POSTPONED * maxHoldMs;
      if (storesInFlight > 0 && postponable) {
        releaseLater(partitionNumber, heldSince); // and storeEnded starts it again, whole
        return;
      }
      releaseTimers.delete(partitionNumber);
      lanes.submit(partitionNumber, RELEASE_HELD).catch((error: unknown) =>
        // A bug: handleGroup reports every failure it expects itself.
        options.fail(error instanceof Error ? error : new Error(String(error))),
      );
    }, maxHoldMs);
    timer.unref();
    releaseTimers.set(partitionNumber, { timer, heldSince });
  }

  /** The last store in flight ended: held records wait their whole maxHoldMs from now. */
  function storeEnded(): void {
    storesInFlight -= 1;
    if (storesInFlight > 0) return;
    for (const [partitionNumber, { heldSince }] of [...releaseTimers])
      releaseLater(partitionNumber, heldSince);
  }

  /** Per partition of the group and held of its number: held records first, then the batch's. */
  function runsOf(partitionNumber: number, group: readonly EachBatchPayload[]): GroupRun[] {
    const runs = new Map<string, GroupRun>();
    for (const [key, { partition, records, highWatermark }] of held) {
      if (partition.partition !== partitionNumber) continue;
      runs.set(key, { key, partition, records, highWatermark, caughtUp: false });
    }
    for (const { batch } of group) {
      const key = topicPartitionKey(batch.topic, batch.partition);
      const before = runs.get(key)?.records ?? [];
      const records = [...before, ...recordsOf(batch)];
      runs.set(key, {
        key,
        partition: { topic: batch.topic, partition: batch.partition },
        records,
        highWatermark: batch.highWatermark,
        caughtUp: false,
      });
    }
    for (const run of runs.values()) {
      const last = run.records.at(-1);
      run.caughtUp =
        last === undefined || compareOffsets(offsetAfter(last.offset), run.highWatermark) >= 0;
    }
    return [...runs.values()];
  }

  /** How far the partitions of the number not at hand got, halted ones left out. */
  function reachesBesides(partitionNumber: number, runs: readonly GroupRun[]): PartitionReach[] {
    const atHand = new Set(runs.map(({ key }) => key));
    return [...reaches].flatMap(([key, reach]) =>
      reach.partition !== partitionNumber ||
      atHand.has(key) ||
      options.halts?.isHalted(reach.topic, reach.partition) === true
        ? []
        : [reach],
    );
  }

  /**
   * Keeps what alignInTime held, pausing its partitions (nothing more is needed from them for
   * now), resumes those that hold nothing any more, and resolves what is held: it is in memory,
   * and kafkajs may fetch past it. Remembers how far every partition of the group got.
   */
  function hold(
    runs: readonly GroupRun[],
    toHold: ReadonlyMap<string, SourceRecord[]>,
    byPartition: ReadonlyMap<string, EachBatchPayload>,
  ): void {
    const pause: TopicPartition[] = [];
    const resume: TopicPartition[] = [];
    for (const run of runs) {
      const records = toHold.get(run.key);
      const wasHeld = held.has(run.key);
      const last = run.records.at(-1);
      if (last !== undefined)
        reaches.set(run.key, {
          ...run.partition,
          reach: Number(last.timestamp),
          caughtUp: run.caughtUp,
        });
      if (records === undefined || records.length === 0) {
        held.delete(run.key);
        if (
          wasHeld &&
          options.halts?.isHalted(run.partition.topic, run.partition.partition) !== true
        )
          resume.push(run.partition);
        continue;
      }
      held.set(run.key, {
        partition: run.partition,
        records,
        highWatermark: run.highWatermark,
        // Where the engine's state of it ends once the records before them are folded.
        from: engine.nextOffset(run.partition),
      });
      if (!wasHeld) pause.push(run.partition);
      const newest = records.at(-1);
      if (newest !== undefined) byPartition.get(run.key)?.resolveOffset(newest.offset);
    }
    if (pause.length > 0) options.pause(pause);
    if (resume.length > 0) options.resume(resume);
  }

  function holdsAny(partitionNumber: number): boolean {
    for (const { partition } of held.values())
      if (partition.partition === partitionNumber) return true;
    return false;
  }

  /** The group did not get through: what it held goes (its records are fetched again). */
  function dropHeld(runs: readonly GroupRun[]): void {
    const resume = runs.flatMap((run) => (held.delete(run.key) ? [run.partition] : []));
    if (resume.length > 0) options.resume(resume);
  }

  /**
   * Held records continue the engine's state only while it ends where it ended when they were
   * held: a conflict, a store that went back, or a seek since means they must be fetched again.
   */
  function dropStaleHeld(partitionNumber: number): void {
    const stale: TopicPartition[] = [];
    for (const [key, entry] of held) {
      const { partition } = entry;
      if (partition.partition !== partitionNumber) continue;
      const still =
        positions.isVerified(partition.topic, partition.partition) &&
        engine.nextOffset(partition) === entry.from;
      if (still) continue;
      held.delete(key);
      positions.retarget(partition.topic, partition.partition);
      stale.push(partition);
    }
    if (stale.length === 0) return;
    options.resume(stale);
    options.repositionUnverified();
  }

  /** Stores the wave when its time bound passes, unless a group stores it first. */
  function storeLater(partitionNumber: number, ms: number): void {
    if (pending.get(partitionNumber) !== undefined || options.stopping.aborted) return;
    const timer = setTimeout(() => {
      if (pending.get(partitionNumber) === timer) pending.set(partitionNumber, undefined);
      lanes.submit(partitionNumber, STORE_WAVE).catch((error: unknown) =>
        // A bug: storeWave reports every failure it expects itself.
        options.fail(error instanceof Error ? error : new Error(String(error))),
      );
    }, ms);
    timer.unref();
    pending.set(partitionNumber, timer);
  }

  /**
   * Stores the pending wave of a partition number and commits what it stored to Kafka.
   * false: it was not stored (a conflict, or given up: stopping, revoked, a failing store).
   */
  async function storeWave(
    partitionNumber: number,
    heartbeats: BatchHeartbeats,
    retry: ReturnType<typeof retrying> = retrying(
      options,
      heartbeats,
      () => false,
      `partition number ${partitionNumber}`,
      () => {},
    ),
  ): Promise<boolean> {
    clearTimeout(pending.get(partitionNumber));
    pending.delete(partitionNumber);
    storesInFlight += 1;
    const outcome = await (
      options.stopping.aborted
        ? lastAttempt(partitionNumber)
        : heartbeats.during(() =>
            retry('store the batch', () => engine.commitWave(partitionNumber)),
          )
    ).finally(storeEnded);
    if (outcome === undefined) {
      // Still folded, not stored: the next group (or the stop) tries again.
      pending.set(partitionNumber, undefined);
      return false;
    }
    if (outcome.kind === 'conflict') {
      onConflict(outcome);
      return false;
    }
    for (const next of outcome.next) {
      const key = topicPartitionKey(next.topic, next.partition);
      const stored = lastFolded.get(key);
      lastFolded.delete(key);
      lag.observe(next.topic, next.partition, {
        nextOffset: next.offset,
        ...(stored !== undefined && offsetAfter(stored.offset) === next.offset ? { stored } : {}),
      });
      options.replay?.stored(next.topic, next.partition, next.offset);
    }
    const payload = lastPayloadOf.get(partitionNumber);
    if (outcome.next.length > 0 && payload !== undefined) commitLater(payload, outcome.next);
    return true;
  }

  /** Commits stored positions to Kafka behind the batches (see `uncommitted`). */
  function commitLater(payload: EachBatchPayload, stored: readonly CommittedPosition[]): void {
    for (const position of stored)
      uncommitted.set(topicPartitionKey(position.topic, position.partition), position);
    commitVia = payload;
    committing ??= (async () => {
      try {
        while (uncommitted.size > 0 && commitVia !== undefined) {
          const positions = [...uncommitted.values()];
          uncommitted.clear();
          const started = performance.now();
          await commitToKafka(commitVia, positions);
          options.afterCommit?.(positions);
          await commitPause(started + (options.commitIntervalMs ?? 0) - performance.now());
        }
      } finally {
        committing = undefined;
      }
    })();
  }

  /** Waits `ms` before the next commit, unless a rebalance or a stop wants it now. */
  function commitPause(ms: number): Promise<void> {
    if (ms <= 0 || flushing > 0) return Promise.resolve();
    return sleepUnlessAborted(ms, AbortSignal.any([commitNow.signal, options.stopping]));
  }

  /** Stopping: one attempt, no retries (a stop must not wait for a store that is down). */
  async function lastAttempt(partitionNumber: number) {
    try {
      return await engine.commitWave(partitionNumber);
    } catch (error) {
      log.warn(
        { err: error, partitionNumber },
        'Could not store a wave while stopping; its records are read again at the next start',
      );
      return undefined;
    }
  }

  /**
   * The batches fetched where their partition resumes. The others are answered with a seek
   * (or stop the source) and left out. Undefined: give up the whole group (stopping, revoked,
   * or the store kept failing).
   */
  async function verifiedBatches(
    group: readonly EachBatchPayload[],
    retry: ReturnType<typeof retrying>,
  ): Promise<EachBatchPayload[] | undefined> {
    const verified: EachBatchPayload[] = [];
    for (const payload of group) {
      const { topic, partition, highWatermark } = payload.batch;
      if (options.halts?.isHalted(topic, partition) === true) continue;
      const fetchedOffset = fetchedOffsetOf(payload.batch);
      const decision = await retry('load the resume position', () =>
        positions.decide({ topic, partition, fetchedOffset, highWatermark }),
      );
      if (decision === undefined) return undefined;
      if (decision.kind === 'stale') continue;
      if (decision.kind === 'fatal') {
        if (alarm(topic, partition, decision.error)) continue;
        return undefined;
      }
      if (decision.kind === 'seek') {
        log.info(
          {
            partition: topicPartitionKey(topic, partition),
            fetchedOffset,
            resumeOffset: decision.offset,
          },
          'Kafka position differs from the stored checkpoint; seeking to the checkpoint',
        );
        options.seek(topic, partition, decision.offset);
        positions.seekIssued(topic, partition, decision.offset);
        lag.observe(topic, partition, { nextOffset: decision.offset });
        continue;
      }
      const continues = await continuesStoredState(payload.batch, retry);
      if (continues === undefined) return undefined;
      if (continues) verified.push(payload);
    }
    return verified;
  }

  /**
   * Whether the batch starts at or below the engine's stored checkpoint, or above it only
   * over offsets the log still holds, and whether the log still reaches the checkpoint
   * (log-continuity.ts). Raises the alarm and answers false
   * when it does not; undefined: give up the group (as in verifiedBatches).
   */
  async function continuesStoredState(
    batch: Batch,
    retry: ReturnType<typeof retrying>,
  ): Promise<boolean | undefined> {
    const { topic, partition, highWatermark } = batch;
    const key = topicPartitionKey(topic, partition);
    const heldRecords = held.get(key)?.records.at(-1);
    const continuesFrom =
      heldRecords === undefined
        ? engine.nextOffset({ topic, partition })
        : offsetAfter(heldRecords.offset);
    const continuity = batchContinuity(continuesFrom, {
      firstOffset: batch.messages[0]?.offset ?? null,
      highWatermark,
    });
    if (continuity.kind === 'continuous') return true;
    const now = await retry('read the watermarks', () => options.watermarks(topic, partition));
    if (now === undefined) return undefined;
    const broken = judgeAgainstLog(key, continuity, now);
    return broken === null ? true : refused(topic, partition, broken);
  }

  /** The batch is refused: false when only its partition halts, undefined when the source stops. */
  function refused(topic: string, partition: number, error: EngineError): false | undefined {
    return alarm(topic, partition, error) ? false : undefined;
  }

  /**
   * A non-retryable error about one partition: halts it when it is a history alarm and halts
   * are enabled (true: the other partitions go on), else stops the source (false).
   */
  function alarm(topic: string, partition: number, error: EngineError): boolean {
    if (haltReasonOf(error) !== null && options.halts !== undefined) {
      options.halts.halt(topic, partition, error);
      return true;
    }
    options.fail(error);
    return false;
  }

  function onConflict(outcome: Conflict): void {
    log.warn(
      { conflict: outcome.conflict, resume: Object.fromEntries(outcome.resume) },
      'The store changed under this consumer (another writer, a flush or a restore); resuming from its checkpoints',
    );
    for (const [key, checkpoint] of outcome.resume) {
      const tp = parseTopicPartitionKey(key);
      if (tp === undefined)
        throw new Error(`bug: the engine resumed ${key}, not a topic-partition`);
      positions.retarget(tp.topic, tp.partition);
      // Where it resumes is what the store holds: a commit that timed out may have landed
      // (the conflict is with ourselves), and a seek to the log end brings no batch to say so.
      if (checkpoint !== null) lag.observe(tp.topic, tp.partition, { nextOffset: checkpoint });
      // Resuming below the records that were dropped: the store went back.
      const first = outcome.dropped.get(key);
      if (first !== undefined && compareOffsets(checkpoint ?? '0', first) < 0)
        options.replay?.wentBack(tp, checkpoint);
    }
    options.repositionUnverified();
  }

  async function commitToKafka(
    payload: EachBatchPayload,
    committed: readonly CommittedPosition[],
  ): Promise<void> {
    try {
      await payload.commitOffsetsIfNecessary({
        topics: committed.map(({ topic, partition, offset }) => ({
          topic,
          partitions: [{ partition, offset }],
        })),
      });
    } catch (error) {
      // Harmless: the Redis checkpoint is authoritative, Kafka's offset only a hint.
      log.warn(
        { err: error, positions: committed },
        'Kafka offset commit failed; the stored checkpoint still holds',
      );
    }
  }
}

/** The batch's high watermark and the times of its first and last records. */
function observeFetched(lag: ConsumerLag, batch: Batch): void {
  const first = batch.messages[0];
  const last = batch.messages.at(-1);
  lag.observe(batch.topic, batch.partition, {
    highWatermark: batch.highWatermark,
    ...(first === undefined || last === undefined ? {} : { fetched: { first, last } }),
  });
}

/** For a wave stored outside a batch (a timer, a stop): kafkajs heartbeats by itself then. */
const NO_HEARTBEATS: BatchHeartbeats = {
  membershipChanged: false,
  beat() {},
  during: (operation) => operation(),
};

/** Per `"topic:partition"`, the last record of a slice: the newest one it folded. */
function lastRecordPerPartition(records: readonly SourceRecord[]): Map<string, SourceRecord> {
  const last = new Map<string, SourceRecord>();
  for (const record of records) last.set(topicPartitionKey(record.topic, record.partition), record);
  return last;
}

/**
 * Retries `operation` while its failure is transient, reporting not-ready, heartbeating and
 * giving up (undefined) once the batch is obsolete: stopping, revoked or re-sought. A
 * non-transient failure stops the source, except a partition alarm (a dead-letter topic that
 * refuses the batch's entries for good), which goes to `onAlarm`.
 */
function retrying(
  options: BatchHandlerOptions,
  heartbeats: BatchHeartbeats,
  obsolete: () => boolean,
  partitionKey: string,
  onAlarm: (error: EngineError) => void,
) {
  return async <T>(what: string, operation: () => Promise<T>): Promise<T | undefined> => {
    const abandon = new AbortController();
    const onStop = () => abandon.abort();
    options.stopping.addEventListener('abort', onStop, { once: true });
    try {
      const result = await retryTransient(operation, {
        isRetryable: isTransientError,
        signal: abandon.signal,
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
        onRetry(error, attempt, delayMs) {
          const reason = `cannot ${what}: ${error instanceof Error ? error.message : String(error)}`;
          options.readiness.unhealthy(reason);
          options.log.warn(
            { err: error, partition: partitionKey, attempt, delayMs },
            `Retrying: ${reason}`,
          );
          heartbeats.beat();
          if (obsolete()) abandon.abort();
        },
      });
      options.readiness.healthy();
      return result;
    } catch (error) {
      if (abandon.signal.aborted || obsolete()) {
        options.log.info(
          { partition: partitionKey },
          'Batch abandoned (stopping or reassigned); it will be redelivered',
        );
        return undefined;
      }
      if (
        error instanceof EngineError &&
        error.code !== 'HISTORY_TRUNCATED' &&
        haltReasonOf(error) !== null
      ) {
        onAlarm(error);
        return undefined;
      }
      options.fail(
        error instanceof Error
          ? error
          : new EngineError('SOURCE_UNAVAILABLE', String(error), { canRetry: false }),
      );
      return undefined;
    } finally {
      options.stopping.removeEventListener('abort', onStop);
    }
  };
}

/**
 * The offset kafkajs fetched this batch from: not in kafkajs' typings, but set by its Batch
 * constructor (src/consumer/batch.js, `this.fetchedOffset`) since 1.x.
 */
export function fetchedOffsetOf(batch: Batch): string {
  const fetched: unknown = (batch as Batch & { fetchedOffset?: unknown }).fetchedOffset;
  if (typeof fetched !== 'string' && typeof fetched !== 'number') {
    throw new Error(
      'bug: kafkajs batch has no fetchedOffset; the kafkajs version changed its Batch',
    );
  }
  return String(fetched);
}
