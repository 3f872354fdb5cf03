import {
  compareOffsets,
  type CheckoutOrder,
  DEFAULT_DOMAIN_CONFIG,
  offsetAfter,
  isCheckoutTopic,
  type CheckoutTopic,
  type DomainConfig,
} from '@checkout/domain';
import { createChangelogTracker, type Advance } from './changelog-tracker.ts';
import { EngineError } from './errors.ts';
import { createKeptSessions } from './kept-sessions.ts';
import { foldInto, parseBatch, startingPoint, type WorkingSession } from './fold-batch.ts';
import { silentObserver, type EngineObserver } from './observer.ts';
import type { DeadLetterEntry, DeadLetterSink } from './ports/dead-letter-sink.ts';
import type {
  BatchWrite,
  CommitResult,
  LoadedSnapshots,
  ProjectionStore,
  WriteConflict,
} from './ports/projection-store.ts';
import type { SnapshotChangelog } from './ports/snapshot-changelog.ts';
import {
  parseTopicPartitionKey,
  topicPartitionKey,
  type SourceRecord,
  type TopicPartition,
} from './ports/source-record.ts';
import type { TopicNames } from './topic-names.ts';
import {
  changedSnapshots,
  createWave,
  DEFAULT_WAVE_LIMITS,
  extendPosition,
  msLeft,
  waveBytes,
  waveCheckpoints,
  waveNextOffset,
  writtenOnLostHistory,
  type Wave,
  type WaveLimits,
} from './wave.ts';

/**
 * The engine core shared by the daemon, `checkout-rebuild` and the embedded mode. Sources
 * (Kafka, the in-process log, EventStoreDB) call it; it never calls them.
 *
 * Records are folded into *waves*, one per partition number (wave.ts), and a wave is stored
 * with one guarded commit. Folding a batch (`fold`):
 *   1. parse and validate every record (pure);
 *   2. load the sessions the wave does not hold yet: one store round trip;
 *   3. fold (pure) onto the wave's sessions, collecting dead-letter entries;
 *   4. publish dead-letter entries and wait for their acks.
 * Storing a wave (`commitWave`):
 *   5. write every changed session and the wave's checkpoints in one guarded commit;
 *   6. with a snapshot changelog, queue the committed snapshots and a marker, sent behind
 *      the commit (changelog-tracker.ts says how a crash between 5 and 6 is caught up).
 * Only then may the source commit its offsets. A crash anywhere before 5 stores nothing and
 * the records are redelivered; a crash after 5 redelivers records whose offsets the snapshots
 * already record, so applyEvent skips them. Hence exactly-once effect (README). A source that
 * stores every batch at once (embedded, EventStoreDB) calls `processBatch`: fold, then commit.
 *
 * Calls for one partition number come one at a time (the Kafka source's lanes); calls for
 * different partition numbers may overlap.
 */
export interface ProjectionEngine {
  /**
   * Where to resume each partition (physical names): the stored checkpoint, or null when none
   * is stored (start at the beginning of the log).
   */
  resumePositions(partitions: readonly TopicPartition[]): Promise<Map<string, string | null>>;
  /** Folds the records and stores their waves at once: `fold`, then `commitWave` for each. */
  processBatch(records: readonly SourceRecord[]): Promise<BatchOutcome>;
  /**
   * Folds the records into the waves of their partition numbers and stores nothing, but the
   * dead-letter entries, which are published before it resolves. All or nothing: a failed
   * fold leaves every wave as it was, so it may be retried.
   */
  fold(records: readonly SourceRecord[]): Promise<FoldOutcome>;
  /**
   * Stores the wave of a partition number (one guarded commit; a commit too large for the
   * store is sent in parts). Committed with no positions when no wave is pending. A failure
   * leaves the wave pending, to be retried; a conflict drops it.
   */
  commitWave(partition: number): Promise<BatchOutcome>;
  /** Forget these partitions, and drop the waves they are in (after a revoke). */
  forget(partitions: readonly TopicPartition[]): void;
  /**
   * The store watchdog's first look, taken beside the batches: the partition numbers where
   * the store holds a checkpoint behind what this engine believes stored (a flushed or
   * restored store). Changes nothing; `verifyCheckpoints` of those numbers acts on it.
   */
  checkpointsBehind(): Promise<number[]>;
  /**
   * The store watchdog: compares the checkpoint this engine believes stored for every
   * partition it knows (of these partition numbers; all when omitted) with what the store
   * holds now, and returns the partitions whose stored checkpoint went back (a flushed or
   * restored store), physical names, with the checkpoint now stored (null: none). The engine
   * adopts those values, so their records are applied again from there; the source must
   * re-position those partitions. A pending wave of such a partition number is dropped (its
   * sessions were loaded from what the store lost), so its other partitions come back too,
   * at their stored checkpoints.
   *
   * It changes where the engine's state of a partition ends, so, like `fold`, it must not
   * overlap the other calls for the same partition number: a batch checked against the old
   * end and folded after the adoption would be folded onto the adopted one, over the records
   * in between, which are then skipped as already applied when the replay brings them.
   *
   * Why it is needed: a write conflict reveals lost data only on a partition that receives
   * another event. A partition that stays quiet after a flush would otherwise keep sessions
   * whose other topics are replayed without its events, silently.
   */
  verifyCheckpoints(partitionNumbers?: readonly number[]): Promise<CheckpointRegression[]>;
  /**
   * Where this engine's state of a partition (physical name) ends: the offset after the last
   * record its pending wave holds, else the checkpoint it believes stored (its last commit or
   * resume), or the changelog's position below it while the changelog catches up.
   * null: none stored (the log start); undefined: not known yet. Sources resume there and use
   * it to check that a batch continues where the state ends (no silent skip).
   */
  nextOffset(partition: TopicPartition): string | null | undefined;
  /**
   * At a stop, after the last wave was stored: resolves once the snapshot changelog has sent
   * what it queued, or given up a send that failed (the next start catches up from its marker).
   */
  drainChangelog(): Promise<void>;
}

export interface CheckpointRegression extends TopicPartition {
  /** What this engine believed (its last commit, resume or pending wave). */
  believed: string;
  /** What the store holds now; null when the checkpoint is gone. */
  stored: string | null;
}

export type BatchOutcome =
  | {
      kind: 'committed';
      /** Next offset to read per partition stored, physical names: what the source commits. */
      next: ReadonlyArray<{ topic: string; partition: number; offset: string }>;
    }
  | Conflict;

export type FoldOutcome =
  | {
      kind: 'folded';
      /** The waves this fold added to, and whether each must be stored now (full or old). */
      waves: ReadonlyArray<{ partition: number; due: boolean; dueInMs: number }>;
    }
  | Conflict;

export interface Conflict {
  /** The store changed under us (another writer, a flush, a restore): resume from `resume`. */
  kind: 'conflict';
  conflict: WriteConflict;
  resume: Map<string, string | null>;
  /** The first offset per partition (physical key) of what was dropped. */
  dropped: Map<string, string>;
}

export interface ProjectionEngineOptions {
  store: ProjectionStore;
  deadLetters: DeadLetterSink;
  /** Where committed snapshots are also published (SNAPSHOT_CHANGELOG_TOPIC). @default none */
  changelog?: SnapshotChangelog;
  topics: TopicNames;
  domain?: Partial<DomainConfig>;
  /**
   * When a wave is due (WAVE_MAX_BYTES, WAVE_MAX_MS) and what is kept across waves
   * (WORKING_SET_MAX_BYTES). @default DEFAULT_WAVE_LIMITS
   */
  waves?: Partial<WaveLimits>;
  observer?: EngineObserver;
  /** Monotonic milliseconds, for batch timings and wave ages. @default performance.now */
  now?: () => number;
  /** Called as each step of a batch completes; fault-injection tests crash the process here. */
  onStep?: (step: EngineStep) => void;
}

export type EngineStep =
  'after-load' | 'after-dead-letters' | 'after-store-commit' | 'after-changelog';

export function createProjectionEngine(options: ProjectionEngineOptions): ProjectionEngine {
  const { store, deadLetters, topics } = options;
  const config: DomainConfig = { ...DEFAULT_DOMAIN_CONFIG, ...options.domain };
  const limits: WaveLimits = { ...DEFAULT_WAVE_LIMITS, ...options.waves };
  const observer = options.observer ?? silentObserver;
  const now = options.now ?? (() => performance.now());
  const onStep = options.onStep ?? (() => {});
  /** Checkpoint believed stored per logical `"<topic>:<partition>"`: the compare-and-set guard. */
  const knownCheckpoints = new Map<string, string | null>();
  /** The pending wave of each partition number. */
  const waves = new Map<number, Wave>();
  /** What stored waves leave behind for the next wave of their partition number. */
  const kept = createKeptSessions(limits.workingSetMaxBytes);
  const published = createPublishedDeadLetters();
  const changelog =
    options.changelog === undefined
      ? undefined
      : createChangelogTracker(options.changelog, {
          // A queue of one wave's worth: more waits for the changelog, bounding the memory.
          maxQueuedBytes: limits.maxBytes,
          now,
          onPublished({ durationMs }) {
            observer.changelogPublished?.({ durationMs });
            onStep('after-changelog');
          },
          onTrouble: (trouble) => observer.changelogTrouble?.([trouble]),
        });

  function logicalPartition({ topic, partition }: TopicPartition): TopicPartition {
    const logical = topics.toLogical(topic);
    if (logical === undefined) throw new Error(`bug: ${topic} is not one of the checkout topics`);
    return { topic: logical, partition };
  }

  async function resumePositions(partitions: readonly TopicPartition[]) {
    const pairs = partitions.map((physical) => ({ physical, logical: logicalPartition(physical) }));
    // Claim first: a zombie's commit that lands after this read conflicts our first commit,
    // and that conflict comes back here, where its unpublished batch is seen as a lag.
    await changelog?.claim(pairs.map(({ logical }) => logical.partition));
    const stored = await store.loadCheckpoints(pairs.map(({ logical }) => logical));
    const positions = new Map<string, string | null>();
    const judged = new Map<string, string | null>();
    for (const { logical } of pairs) {
      const checkpoint = stored.get(keyOf(logical)) ?? null;
      knownCheckpoints.set(keyOf(logical), checkpoint);
      judged.set(keyOf(logical), checkpoint);
    }
    judgeChangelog(judged);
    for (const { physical, logical } of pairs) {
      const checkpoint = judged.get(keyOf(logical)) ?? null;
      positions.set(
        keyOf(physical),
        changelog?.resumeFrom(keyOf(logical), checkpoint) ?? checkpoint,
      );
    }
    return positions;
  }

  /** Holds the partition numbers whose store is behind the changelog, and says so. */
  function judgeChangelog(checkpoints: ReadonlyMap<string, string | null>) {
    const held = changelog?.judge(checkpoints) ?? [];
    if (held.length > 0) observer.changelogHeld?.(held);
  }

  async function ensureKnown(partitions: readonly TopicPartition[]) {
    const unknown = partitions.filter((tp) => !knownCheckpoints.has(keyOf(logicalPartition(tp))));
    if (unknown.length > 0) await resumePositions(unknown);
  }

  async function processBatch(records: readonly SourceRecord[]): Promise<BatchOutcome> {
    const folded = await fold(records);
    if (folded.kind === 'conflict') return folded;
    const next: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const { partition } of folded.waves) {
      const outcome = await commitWave(partition);
      if (outcome.kind === 'conflict') return outcome;
      next.push(...outcome.next);
    }
    return { kind: 'committed', next };
  }

  /**
   * Records whose sessions' documents are more than one load may carry (`BATCH_TOO_LARGE`)
   * are folded in consecutive parts, as many as the error's `bytes` over `maxCommitBytes` say
   * (plus one), each loading its own sessions. A single record too large is an alarm.
   */
  async function fold(records: readonly SourceRecord[]): Promise<FoldOutcome> {
    try {
      return await foldWhole(records);
    } catch (error) {
      if (!isTooLarge(error) || records.length < 2) throw error;
      observer.batchSplit?.(records.length);
      const folded = new Set<number>();
      for (const part of partsOf(records, error)) {
        const outcome = await fold(part);
        if (outcome.kind === 'conflict') return outcome;
        for (const { partition } of outcome.waves) folded.add(partition);
      }
      return { kind: 'folded', waves: [...folded].map(waveStatus) };
    }
  }

  async function foldWhole(records: readonly SourceRecord[]): Promise<FoldOutcome> {
    const started = now();
    const { partitions, partitionOf } = partitionsInBatch(records, logicalPartition);
    await ensureKnown(partitions.map((partition) => partition.physical));
    for (const partition of partitions) {
      // The guard of a wave is what was believed stored when it first folded the partition:
      // the watchdog or a rebalance may change knownCheckpoints meanwhile, and a guard read
      // later (say `null` after a flush) would let it commit a checkpoint over history it
      // never applied.
      partition.expected = knownCheckpoints.get(partition.logicalKey) ?? null;
      const wave = waves.get(partition.logical.partition);
      partition.from =
        (wave === undefined ? undefined : waveNextOffset(wave, partition.logicalKey)) ??
        partition.expected;
    }
    // Records the wave or the store already holds (a source that resumed behind them).
    const fresh = records.filter((record, index) => {
      const from = partitionOf[index]?.from ?? null;
      return from === null || compareOffsets(record.offset, from) >= 0;
    });
    // Below the checkpoint but past the changelog: their sessions are published as stored.
    const republish =
      changelog === undefined
        ? []
        : records.filter((record, index) => {
            const at = partitionOf[index];
            return (
              at !== undefined &&
              at.expected !== null &&
              compareOffsets(record.offset, at.expected) < 0 &&
              changelog.lagging(at.logicalKey, at.expected)
            );
          });
    const parsed = parseBatch(fresh, topics, config);
    const republished = sessionsOf(republish);
    const partitionOfSession = new Map(republished);
    for (const item of parsed.records)
      if (item.kind === 'event') partitionOfSession.set(item.sessionId, item.record.partition);

    const touched = [...new Set(partitions.map(({ logical }) => logical.partition))];
    const storeStarted = now();
    const { toLoad, loaded, fromKept } = await loadMissing(partitionOfSession, touched);
    const storeMs = now() - storeStarted;
    onStep('after-load');

    if (loaded !== undefined) {
      const moved = touched.filter((partition) => {
        const generation = waves.get(partition)?.generation;
        return generation !== undefined && generation !== loaded.generation;
      });
      if (moved.length > 0) return generationMoved(moved, loaded.generation);
    }

    // Folded onto copies: the waves change only once the dead letters are out, so a fold
    // that fails (and is retried) leaves them as they were.
    const working = new Map<string, WorkingSession>();
    const historyGone = loaded?.historyGone ?? NOTHING;
    const sessionOf = (sessionId: string): WorkingSession => {
      let session = working.get(sessionId);
      if (session !== undefined) return session;
      const partition = partitionOfSession.get(sessionId);
      const held =
        partition === undefined
          ? undefined
          : (waves.get(partition)?.sessions.get(sessionId) ?? fromKept.get(sessionId));
      session =
        held === undefined
          ? startingPoint(
              loaded?.snapshots.get(sessionId),
              historyGone.has(sessionId),
              sessionId,
              config,
            )
          : { ...held };
      working.set(sessionId, session);
      return session;
    };
    for (const sessionId of republished.keys()) {
      if (loaded?.unreadable?.has(sessionId) !== true) sessionOf(sessionId);
    }
    const byWave = groupBy(parsed.records, (item) => item.record.partition);
    const folds = [...byWave].map(([partition, items]) => ({
      partition,
      folded: foldInto({ records: items, sessionIds: [] }, sessionOf, topics, loaded?.unreadable),
    }));

    // A batch stored only after its dead letters were published (a Redis blip, a conflict)
    // comes again: what this engine published already is not published twice.
    const unpublished = published.notYet(folds.flatMap(({ folded }) => folded.deadLetters));
    if (unpublished.length > 0) {
      await deadLetters.publish(unpublished);
      published.remember(unpublished);
      observer.deadLettered(unpublished);
      onStep('after-dead-letters');
    }

    for (const partition of touched) waveOf(partition, started);
    for (const [sessionId, session] of working) {
      const wave = waveOf(partitionOfSession.get(sessionId) ?? -1, started);
      wave.sessions.set(sessionId, session);
      if (fromKept.has(sessionId)) {
        wave.generation = kept.generationOf(wave.partition) ?? null;
        kept.take(sessionId);
        wave.sessionsKept += 1;
      } else if (loaded !== undefined && toLoad.has(sessionId)) {
        wave.generation = loaded.generation;
        wave.sessionsRead += 1;
        if (session.expectedVersion === 0 && historyGone.has(sessionId))
          wave.onLostHistory.add(sessionId);
      }
    }
    for (const [sessionId, partition] of republished)
      waveOf(partition, started).republished.add(sessionId);
    for (const { partition, folded } of folds)
      waveOf(partition, started).outcomes.push(...folded.outcomes);
    for (const { physical, logical, logicalKey, expected, firstOffset, lastOffset } of partitions) {
      const wave = waveOf(logical.partition, started);
      extendPosition(
        wave,
        logicalKey,
        { physical, logical, first: firstOffset, last: lastOffset },
        expected,
      );
    }
    const spent = now() - started;
    for (const [partition, items] of groupBy(records, (record) => record.partition)) {
      const wave = waveOf(partition, started);
      wave.records += items.length;
      wave.busyMs += spent / touched.length;
      wave.storeMs += storeMs / touched.length;
    }
    const statuses = touched.map(waveStatus);
    if (kept.size > 0) kept.fitBeside(pendingBytes());
    return { kind: 'folded', waves: statuses };
  }

  /**
   * Loads the sessions of a batch that neither a pending wave nor the kept sessions hold: one
   * round trip. Kept sessions of another generation than the one the load (or the pending
   * wave) is of were stored before a blue/green switch: they are let go and loaded too.
   */
  async function loadMissing(
    partitionOfSession: ReadonlyMap<string, number>,
    touched: readonly number[],
  ): Promise<{
    toLoad: ReadonlySet<string>;
    loaded: LoadedSnapshots | undefined;
    fromKept: ReadonlyMap<string, WorkingSession>;
  }> {
    for (;;) {
      const toLoad = new Set<string>();
      const fromKept = new Map<string, WorkingSession>();
      for (const [sessionId, partition] of partitionOfSession) {
        if (waves.get(partition)?.sessions.has(sessionId) === true) continue;
        const session = kept.peek(sessionId, partition);
        if (session === undefined) toLoad.add(sessionId);
        else fromKept.set(sessionId, session);
      }
      const loaded = toLoad.size === 0 ? undefined : await store.loadSnapshots([...toLoad]);
      const stale =
        fromKept.size === 0
          ? []
          : kept.behind(
              touched,
              (partition) => waves.get(partition)?.generation ?? loaded?.generation,
            );
      if (stale.length === 0) return { toLoad, loaded, fromKept };
      // Each round lets go of a partition number's kept sessions: the next finds none there.
      kept.drop(stale);
    }
  }

  /** The pending waves' bytes as their last fold measured them (`waveStatus`). */
  function pendingBytes(): number {
    let bytes = 0;
    for (const wave of waves.values()) bytes += wave.bytes;
    return bytes;
  }

  function waveOf(partition: number, startedAt: number): Wave {
    let wave = waves.get(partition);
    if (wave === undefined) waves.set(partition, (wave = createWave(partition, startedAt)));
    return wave;
  }

  function waveStatus(partition: number) {
    const wave = waves.get(partition);
    if (wave === undefined) return { partition, due: false, dueInMs: limits.maxMs };
    const dueInMs = msLeft(wave, limits, now());
    wave.bytes = waveBytes(wave);
    return { partition, due: dueInMs === 0 || wave.bytes >= limits.maxBytes, dueInMs };
  }

  /**
   * A load came from another store generation than the wave's sessions (a blue/green switch
   * the store followed): the wave cannot be stored in either, so it is dropped and its
   * partitions resume from the stored checkpoints.
   */
  async function generationMoved(partitions: readonly number[], actual: string | null) {
    const expected = waves.get(partitions[0] ?? -1)?.generation ?? null;
    const conflict: WriteConflict = {
      kind: 'checkpoint',
      subject: 'active-generation',
      expected: expected ?? 'base',
      actual: actual ?? 'base',
    };
    observer.writeConflict(conflict);
    return conflictOf(conflict, partitions);
  }

  /** Drops the waves of these partition numbers and re-reads where their partitions resume. */
  async function conflictOf(
    conflict: WriteConflict,
    partitions: readonly number[],
  ): Promise<Conflict> {
    const physical: TopicPartition[] = [];
    const dropped = new Map<string, string>();
    kept.drop(partitions);
    for (const partition of partitions) {
      const wave = waves.get(partition);
      waves.delete(partition);
      for (const [logicalKey, position] of wave?.positions ?? []) {
        // Not `forget`: this member still owns the partitions, and what it published stays so.
        knownCheckpoints.delete(logicalKey);
        physical.push(position.physical);
        dropped.set(keyOf(position.physical), position.first);
      }
    }
    return { kind: 'conflict', conflict, resume: await resumePositions(physical), dropped };
  }

  async function commitWave(partition: number): Promise<BatchOutcome> {
    // The changelog's queue of this partition number is full: its sends set the pace.
    await changelog?.room(partition);
    const wave = waves.get(partition);
    if (wave === undefined) return { kind: 'committed', next: [] };
    const started = now();
    const physical = [...wave.positions.values()].map((position) => position.physical);
    const snapshots = changedSnapshots(wave);
    const checkpoints = waveCheckpoints(wave);
    const generation =
      wave.generation === undefined ? (await store.loadSnapshots([])).generation : wave.generation;
    const commitStarted = now();
    const result = await storeInParts(wave, { generation, snapshots, checkpoints });
    const storeMs = now() - commitStarted;
    if (!result.ok) {
      observer.writeConflict(result.conflict);
      return conflictOf(result.conflict, [partition]);
    }
    waves.delete(partition);
    onStep('after-store-commit');
    const lostHistory = writtenOnLostHistory(wave);
    if (lostHistory.length > 0) observer.historyIncomplete(lostHistory);
    for (const checkpoint of checkpoints) {
      knownCheckpoints.set(
        topicPartitionKey(checkpoint.topic, checkpoint.partition),
        checkpoint.nextOffset,
      );
    }
    publishChangelog(wave, snapshots);
    for (const { physical: tp, last } of wave.positions.values()) published.storedUpTo(tp, last);
    keepStored(wave, generation, result.mark);
    observer.batchProcessed({
      records: wave.records,
      sessions: wave.sessions.size,
      sessionsRead: wave.sessionsRead,
      sessionsKept: wave.sessionsKept,
      outcomes: wave.outcomes,
      durationMs: wave.busyMs + (now() - started),
      storeMs: wave.storeMs + storeMs,
    });
    return { kind: 'committed', next: committedPositions(physical) };
  }

  /**
   * A stored wave's sessions are kept, as stored, for the next wave of its partition number:
   * those this engine wrote, with the mark of that write (their guard against any writer
   * since). One it only loaded has no mark to be guarded by, and a store that marks nothing
   * leaves nothing to keep.
   */
  function keepStored(wave: Wave, generation: string | null, mark: string | undefined) {
    const room = limits.workingSetMaxBytes - pendingBytes();
    // Catching up, the pending waves fill the bound: keeping would only churn memory.
    if (mark === undefined || room <= 0) return;
    const stored: Array<[string, WorkingSession]> = [];
    for (const [sessionId, session] of wave.sessions) {
      if (session.changed) {
        session.expectedVersion = session.order.meta.event_count;
        session.mark = mark;
        session.changed = false;
      }
      if (session.mark !== undefined) stored.push([sessionId, session]);
    }
    kept.keep(wave.partition, generation, mostRecent(stored, room));
    kept.fitBeside(pendingBytes());
  }

  /**
   * A wave whose commit the store refuses as too large (`BATCH_TOO_LARGE`: more bytes than
   * one script may carry) is stored in consecutive parts, as many as its size says it needs:
   * each but the last holds only snapshots, each guarded by its version, and the last the
   * rest with the checkpoints. A crash between parts leaves snapshots ahead of the
   * checkpoints: harmless, as the records they hold are skipped when they come again.
   */
  async function storeInParts(wave: Wave, write: BatchWrite): Promise<CommitResult> {
    try {
      return await store.commit(write);
    } catch (error) {
      if (!isTooLarge(error) || write.snapshots.length < 2) throw error;
      observer.batchSplit?.(wave.records);
      const [last, ...before] = partsOf(write.snapshots, error).reverse();
      for (const part of before.reverse()) {
        const result = await storeInParts(wave, { ...write, snapshots: part, checkpoints: [] });
        if (!result.ok) return result;
        for (const { sessionId, order } of part) {
          const session = wave.sessions.get(sessionId);
          if (session !== undefined) {
            session.changed = false;
            session.expectedVersion = order.meta.event_count;
            // The next part is guarded by this one's write; no mark: by the version alone.
            if (result.mark === undefined) delete session.mark;
            else session.mark = result.mark;
          }
        }
      }
      return storeInParts(wave, { ...write, snapshots: last ?? [] });
    }
  }

  /**
   * Queues the committed wave for the changelog: its changed snapshots, the stored snapshots
   * of the sessions it republishes, and the marker moved past the wave.
   */
  function publishChangelog(
    wave: Wave,
    snapshots: ReadonlyArray<{ sessionId: string; order: CheckoutOrder }>,
  ) {
    if (changelog === undefined) return;
    const advances: Advance[] = [...wave.positions].map(([logicalKey, { first, last }]) => ({
      logicalKey,
      first,
      next: offsetAfter(last),
    }));
    const queued = snapshots.map(({ sessionId, order }) => ({ sessionId, order }));
    let bytes = 0;
    for (const { sessionId } of snapshots) bytes += wave.sessions.get(sessionId)?.bytes ?? 0;
    for (const sessionId of wave.republished) {
      const session = wave.sessions.get(sessionId);
      if (session !== undefined && !session.changed) {
        queued.push({ sessionId, order: session.order });
        bytes += session.bytes;
      }
    }
    changelog.publish(wave.partition, queued, advances, bytes);
  }

  /** The stored checkpoint of each partition, physical names: what the source may commit. */
  function committedPositions(partitions: readonly TopicPartition[]) {
    const next: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const tp of partitions) {
      const checkpoint = knownCheckpoints.get(keyOf(logicalPartition(tp)));
      if (checkpoint != null)
        next.push({ topic: tp.topic, partition: tp.partition, offset: checkpoint });
    }
    return next;
  }

  function forget(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const key = keyOf(logicalPartition(tp));
      knownCheckpoints.delete(key);
      published.forget(tp);
      // Its sessions hold this partition's records: the next owner folds them again.
      const wave = waves.get(tp.partition);
      if (wave?.positions.has(key) === true) waves.delete(tp.partition);
    }
    // Its kept sessions hold the revoked partition's records too: its next owner writes them.
    kept.drop(partitions.map((tp) => tp.partition));
    // A partition number is released once none of its topics is known any more.
    const known = new Set([...knownCheckpoints.keys()].map((key) => parseKey(key)?.partition));
    changelog?.forget(partitions.map((tp) => tp.partition).filter((p) => !known.has(p)));
  }

  /**
   * The checkpoints believed stored (of these partition numbers; all when omitted) that the
   * store holds behind, or not at all.
   */
  async function storedBehind(partitionNumbers?: ReadonlySet<number>) {
    // Read what is believed before asking the store: a commit landing in between only moves
    // the stored value forward, so a regression seen here is real.
    const believed = [...knownCheckpoints].flatMap(([key, checkpoint]) => {
      const tp = parseKey(key);
      return checkpoint === null ||
        tp === undefined ||
        partitionNumbers?.has(tp.partition) === false
        ? []
        : [{ ...tp, key, checkpoint }];
    });
    if (believed.length === 0) return [];
    const stored = await store.loadCheckpoints(believed);
    return believed.flatMap((belief) => {
      const now = stored.get(belief.key) ?? null;
      return now !== null && compareOffsets(now, belief.checkpoint) >= 0
        ? []
        : [{ ...belief, now }];
    });
  }

  async function checkpointsBehind(): Promise<number[]> {
    return [...new Set((await storedBehind()).map(({ partition }) => partition))];
  }

  async function verifyCheckpoints(partitionNumbers?: readonly number[]) {
    const behind = await storedBehind(
      partitionNumbers === undefined ? undefined : new Set(partitionNumbers),
    );
    const regressions: CheckpointRegression[] = [];
    const adopted = new Map<string, string | null>();
    for (const { topic, partition, key, checkpoint, now } of behind) {
      // Unless a commit or a resume moved it since, adopt what the store holds.
      if (knownCheckpoints.get(key) !== checkpoint) continue;
      knownCheckpoints.set(key, now);
      adopted.set(key, now);
      regressions.push({
        topic: topics.toPhysical(topic),
        partition,
        believed: checkpoint,
        stored: now,
      });
    }
    if (adopted.size > 0) judgeChangelog(adopted);
    return [...regressions, ...dropWavesOf(regressions)];
  }

  /**
   * The pending waves of the partition numbers that went back are dropped: their sessions
   * came from what the store lost. Their other partitions go back to the stored checkpoint.
   */
  function dropWavesOf(regressions: readonly CheckpointRegression[]): CheckpointRegression[] {
    const regressed = new Set(
      regressions.map(({ topic, partition }) => keyOf({ topic, partition })),
    );
    const alsoBack: CheckpointRegression[] = [];
    const numbers = new Set(regressions.map((regression) => regression.partition));
    kept.drop(numbers);
    for (const partition of numbers) {
      const wave = waves.get(partition);
      if (wave === undefined) continue;
      waves.delete(partition);
      for (const [logicalKey, { physical, last }] of wave.positions) {
        if (regressed.has(keyOf(physical))) continue;
        alsoBack.push({
          ...physical,
          believed: offsetAfter(last),
          stored: knownCheckpoints.get(logicalKey) ?? null,
        });
      }
    }
    return alsoBack;
  }

  function nextOffset(partition: TopicPartition): string | null | undefined {
    const key = keyOf(logicalPartition(partition));
    const wave = waves.get(partition.partition);
    const folded = wave === undefined ? undefined : waveNextOffset(wave, key);
    if (folded !== undefined) return folded;
    const checkpoint = knownCheckpoints.get(key);
    return checkpoint === undefined || changelog === undefined
      ? checkpoint
      : changelog.resumeFrom(key, checkpoint);
  }

  return {
    resumePositions,
    processBatch,
    fold,
    commitWave,
    forget,
    checkpointsBehind,
    verifyCheckpoints,
    nextOffset,
    drainChangelog: async () => changelog?.drain(),
  };
}

/**
 * Dead letters published for records whose batch is not stored yet, per physical partition:
 * the batch comes again (its commit failed or conflicted) and must not publish them twice.
 * Entries leave once their partition is stored past them, or is revoked (its next owner
 * cannot know what this member published: the one documented duplicate, with a crash).
 * Bounded by the records in flight.
 */
function createPublishedDeadLetters() {
  const byPartition = new Map<string, Set<string>>();
  const keyOfEntry = (entry: DeadLetterEntry) =>
    topicPartitionKey(entry.original.topic, entry.original.partition);
  return {
    notYet(entries: readonly DeadLetterEntry[]): DeadLetterEntry[] {
      if (byPartition.size === 0) return [...entries];
      return entries.filter(
        (entry) => byPartition.get(keyOfEntry(entry))?.has(entry.original.offset) !== true,
      );
    },
    remember(entries: readonly DeadLetterEntry[]): void {
      for (const entry of entries) {
        const key = keyOfEntry(entry);
        let offsets = byPartition.get(key);
        if (offsets === undefined) byPartition.set(key, (offsets = new Set()));
        offsets.add(entry.original.offset);
      }
    },
    storedUpTo(tp: TopicPartition, lastOffset: string): void {
      const key = keyOf(tp);
      const offsets = byPartition.get(key);
      if (offsets === undefined) return;
      for (const offset of offsets)
        if (compareOffsets(offset, lastOffset) <= 0) offsets.delete(offset);
      if (offsets.size === 0) byPartition.delete(key);
    },
    forget(tp: TopicPartition): void {
      byPartition.delete(keyOf(tp));
    },
  };
}

/** The last of `sessions` (the wave's most recently loaded) whose bytes fit in `room`. */
function mostRecent(
  sessions: ReadonlyArray<[string, WorkingSession]>,
  room: number,
): ReadonlyArray<[string, WorkingSession]> {
  let bytes = 0;
  let first = sessions.length;
  while (first > 0 && bytes + (sessions[first - 1]?.[1].bytes ?? 0) <= room) {
    first -= 1;
    bytes += sessions[first]?.[1].bytes ?? 0;
  }
  return sessions.slice(first);
}

/** Session id → partition number of the records (valid UTF-8 keys only: a session id is one). */
function sessionsOf(records: readonly SourceRecord[]): Map<string, number> {
  const sessions = new Map<string, number>();
  for (const { key, partition } of records) {
    if (key === null) continue;
    const text = key.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(key)) sessions.set(text, partition);
  }
  return sessions;
}

/** A logical `"<topic>:<partition>"` key back into its parts. */
function parseKey(key: string): { topic: CheckoutTopic; partition: number } | undefined {
  const tp = parseTopicPartitionKey(key);
  return tp !== undefined && isCheckoutTopic(tp.topic)
    ? { topic: tp.topic, partition: tp.partition }
    : undefined;
}

function keyOf(tp: TopicPartition): string {
  return topicPartitionKey(tp.topic, tp.partition);
}

/** One partition of a batch: what the engine needs of it, worked out once, not per record. */
interface PartitionInBatch {
  physical: TopicPartition;
  logical: TopicPartition;
  logicalKey: string;
  /** The checkpoint believed stored when the batch started: its guard if it opens a wave. */
  expected: string | null;
  /** Where the engine's state of it ends (its wave, else `expected`): records below are held. */
  from: string | null;
  /** Lowest and highest offset of the batch in this partition. */
  firstOffset: string;
  lastOffset: string;
}

/**
 * The partitions of a batch, and which one each record belongs to. Sources deliver runs of
 * one partition (a Kafka batch is a single run), so a key is built only where the partition
 * changes from one record to the next.
 */
function partitionsInBatch(
  records: readonly SourceRecord[],
  logicalPartition: (tp: TopicPartition) => TopicPartition,
): { partitions: PartitionInBatch[]; partitionOf: PartitionInBatch[] } {
  const byKey = new Map<string, PartitionInBatch>();
  const partitionOf: PartitionInBatch[] = new Array<PartitionInBatch>(records.length);
  let current: PartitionInBatch | undefined;
  records.forEach((record, index) => {
    const { topic, partition, offset } = record;
    if (current?.physical.topic !== topic || current.physical.partition !== partition) {
      const key = topicPartitionKey(topic, partition);
      current = byKey.get(key);
      if (current === undefined) {
        const logical = logicalPartition(record);
        current = {
          physical: { topic, partition },
          logical,
          logicalKey: keyOf(logical),
          expected: null,
          from: null,
          firstOffset: offset,
          lastOffset: offset,
        };
        byKey.set(key, current);
      }
    }
    if (compareOffsets(offset, current.lastOffset) > 0) current.lastOffset = offset;
    if (compareOffsets(offset, current.firstOffset) < 0) current.firstOffset = offset;
    partitionOf[index] = current;
  });
  return { partitions: [...byKey.values()], partitionOf };
}

/** Parts of `items` small enough for one commit, by the size a BATCH_TOO_LARGE error gives. */
function partsOf<T>(items: readonly T[], error: EngineError): T[][] {
  const size = Number(error.context['bytes']) / Number(error.context['maxCommitBytes']);
  const count = Math.min(items.length, Number.isFinite(size) ? Math.ceil(size) + 1 : 2);
  const perPart = Math.ceil(items.length / count);
  const parts: T[][] = [];
  for (let start = 0; start < items.length; start += perPart)
    parts.push(items.slice(start, start + perPart));
  return parts;
}

function isTooLarge(error: unknown): error is EngineError {
  return error instanceof EngineError && error.code === 'BATCH_TOO_LARGE';
}

function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(item);
  }
  return groups;
}

const NOTHING: ReadonlySet<string> = new Set();
