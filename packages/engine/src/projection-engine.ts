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
import { foldBatch, parseBatch, type ParsedBatch } from './fold-batch.ts';
import { silentObserver, type EngineObserver } from './observer.ts';
import type { DeadLetterEntry, DeadLetterSink } from './ports/dead-letter-sink.ts';
import type {
  CheckpointWrite,
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

/**
 * The engine core shared by the daemon, `checkout-rebuild` and the embedded mode. Sources
 * (Kafka, the in-process log, EventStoreDB) call it; it never calls them.
 *
 * One batch, in this order:
 *   1. parse and validate every record (pure);
 *   2. load the snapshots of every session the batch touches: one store round trip;
 *   3. fold (pure), collecting dead-letter entries;
 *   4. publish dead-letter entries and wait for their acks;
 *   5. write every changed snapshot and the batch's checkpoints in one guarded commit;
 *   6. with a snapshot changelog, publish the committed snapshots and a marker
 *      (changelog-tracker.ts says how a crash between 5 and 6 is caught up).
 * Only then may the source commit its offsets. A crash anywhere before 5 stores nothing and
 * the batch is redelivered; a crash after 5 redelivers records whose offsets the snapshots
 * already record, so applyEvent skips them. Hence exactly-once effect (README).
 */
export interface ProjectionEngine {
  /**
   * Where to resume each partition (physical names): the stored checkpoint, or null when none
   * is stored (start at the beginning of the log).
   */
  resumePositions(partitions: readonly TopicPartition[]): Promise<Map<string, string | null>>;
  processBatch(records: readonly SourceRecord[]): Promise<BatchOutcome>;
  /** Forget what this engine believes is stored for these partitions (after a revoke). */
  forget(partitions: readonly TopicPartition[]): void;
  /**
   * The store watchdog: compares the checkpoint this engine believes stored for every
   * partition it knows with what the store holds now, and returns the partitions whose stored
   * checkpoint went back (a flushed or restored store), physical names, with the checkpoint
   * now stored (null: none). The engine adopts those values, so their records are applied
   * again from there; the source must re-position those partitions.
   *
   * Why it is needed: a write conflict reveals lost data only on a partition that receives
   * another event. A partition that stays quiet after a flush would otherwise keep sessions
   * whose other topics are replayed without its events, silently.
   */
  verifyCheckpoints(): Promise<CheckpointRegression[]>;
  /**
   * The checkpoint this engine believes stored for a partition (physical name): its last
   * commit or resume, or the changelog's position below it while the changelog catches up.
   * null: none stored (the log start); undefined: not known yet. Sources resume there and use
   * it to check that a batch continues where the stored state ends (no silent skip).
   */
  storedCheckpoint(partition: TopicPartition): string | null | undefined;
}

export interface CheckpointRegression extends TopicPartition {
  /** What this engine believed stored (its last commit or resume). */
  believed: string;
  /** What the store holds now; null when the checkpoint is gone. */
  stored: string | null;
}

export type BatchOutcome =
  | {
      kind: 'committed';
      /** Next offset to read per partition touched, physical names: what the source commits. */
      next: ReadonlyArray<{ topic: string; partition: number; offset: string }>;
    }
  | {
      /** The store changed under us (another writer, a flush, a restore): resume from `resume`. */
      kind: 'conflict';
      conflict: WriteConflict;
      resume: Map<string, string | null>;
    };

export interface ProjectionEngineOptions {
  store: ProjectionStore;
  deadLetters: DeadLetterSink;
  /** Where committed snapshots are also published (SNAPSHOT_CHANGELOG_TOPIC). @default none */
  changelog?: SnapshotChangelog;
  topics: TopicNames;
  domain?: Partial<DomainConfig>;
  observer?: EngineObserver;
  /** Monotonic milliseconds, for batch timings. @default performance.now */
  now?: () => number;
  /** Called as each step of a batch completes; fault-injection tests crash the process here. */
  onStep?: (step: EngineStep) => void;
}

export type EngineStep =
  'after-load' | 'after-dead-letters' | 'after-store-commit' | 'after-changelog';

export function createProjectionEngine(options: ProjectionEngineOptions): ProjectionEngine {
  const { store, deadLetters, topics } = options;
  const config: DomainConfig = { ...DEFAULT_DOMAIN_CONFIG, ...options.domain };
  const observer = options.observer ?? silentObserver;
  const now = options.now ?? (() => performance.now());
  const onStep = options.onStep ?? (() => {});
  /** Checkpoint believed stored per logical `"<topic>:<partition>"`: the compare-and-set guard. */
  const knownCheckpoints = new Map<string, string | null>();
  const published = createPublishedDeadLetters();
  const changelog =
    options.changelog === undefined ? undefined : createChangelogTracker(options.changelog);

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

  /**
   * A batch whose commit the store refuses as too large (`BATCH_TOO_LARGE`: more bytes than
   * one script may carry) is stored in consecutive parts, as many as its size says it needs
   * (the error's `bytes` over `maxCommitBytes`, plus one), each loaded afresh and its own
   * guarded commit: a part's checkpoints are the next part's guard, so the parts compose
   * exactly like batches in a row. A single record too large for a commit is an alarm.
   */
  async function processBatch(records: readonly SourceRecord[]): Promise<BatchOutcome> {
    try {
      return await processWhole(records);
    } catch (error) {
      if (!(error instanceof EngineError && error.code === 'BATCH_TOO_LARGE') || records.length < 2)
        throw error;
      observer.batchSplit?.(records.length);
      const size = Number(error.context['bytes']) / Number(error.context['maxCommitBytes']);
      const parts = Math.min(records.length, Number.isFinite(size) ? Math.ceil(size) + 1 : 2);
      const perPart = Math.ceil(records.length / parts);
      for (let start = 0; start < records.length; start += perPart) {
        const outcome = await processBatch(records.slice(start, start + perPart));
        if (outcome.kind === 'conflict') return outcome;
      }
      const physical = partitionsInBatch(records, logicalPartition).partitions.map(
        (p) => p.physical,
      );
      return { kind: 'committed', next: committedPositions(physical) };
    }
  }

  async function processWhole(records: readonly SourceRecord[]): Promise<BatchOutcome> {
    const started = now();
    const { partitions, partitionOf } = partitionsInBatch(records, logicalPartition);
    const physical = partitions.map((partition) => partition.physical);
    await ensureKnown(physical);
    // The guard of this batch is what was believed stored when it started: the watchdog or a
    // rebalance may change knownCheckpoints while the batch awaits the store, and a guard read
    // later (say `null` after a flush) would let the batch commit a checkpoint over history
    // it never applied.
    for (const partition of partitions)
      partition.expected = knownCheckpoints.get(partition.logicalKey) ?? null;
    // Records the store already holds (a source that resumed behind the checkpoint).
    const fresh = records.filter((record, index) => {
      const checkpoint = partitionOf[index]?.expected ?? null;
      return checkpoint === null || compareOffsets(record.offset, checkpoint) >= 0;
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
    const storeStarted = now();
    const loaded = await store.loadSnapshots(
      republished.size === 0
        ? parsed.sessionIds
        : [...new Set([...parsed.sessionIds, ...republished.keys()])],
    );
    let storeMs = now() - storeStarted;
    onStep('after-load');
    const folded = foldBatch(parsed, loaded.snapshots, topics, config, loaded);

    // A batch stored only after its dead letters were published (a Redis blip, a conflict)
    // comes again: what this engine published already is not published twice.
    const unpublished = published.notYet(folded.deadLetters);
    if (unpublished.length > 0) {
      await deadLetters.publish(unpublished);
      published.remember(unpublished);
      observer.deadLettered(unpublished);
      onStep('after-dead-letters');
    }

    const checkpoints = nextCheckpoints(partitions);
    const commitStarted = now();
    const committing = store.commit({
      generation: loaded.generation,
      snapshots: folded.snapshots,
      checkpoints,
    });
    // Sent beside the commit, visible only once it succeeded (the port says how).
    const publishStarted = now();
    const publishing =
      changelog === undefined
        ? undefined
        : publishChangelog(
            partitions,
            folded.snapshots,
            republished,
            parsed,
            loaded,
            committing.then(
              (outcome) => outcome.ok,
              () => false,
            ),
          );
    publishing?.catch(() => undefined); // awaited below, on every path
    let result: Awaited<typeof committing>;
    try {
      result = await committing;
    } catch (error) {
      await publishing?.catch(() => undefined);
      throw error;
    }
    storeMs += now() - commitStarted;
    if (!result.ok) {
      await publishing?.catch(() => undefined);
      observer.writeConflict(result.conflict);
      // Not `forget`: this member still owns the partitions, and what it published stays so.
      for (const tp of physical) knownCheckpoints.delete(keyOf(logicalPartition(tp)));
      return {
        kind: 'conflict',
        conflict: result.conflict,
        resume: await resumePositions(physical),
      };
    }
    onStep('after-store-commit');
    if (folded.historyIncomplete.length > 0) observer.historyIncomplete(folded.historyIncomplete);
    for (const checkpoint of checkpoints) {
      knownCheckpoints.set(
        topicPartitionKey(checkpoint.topic, checkpoint.partition),
        checkpoint.nextOffset,
      );
    }
    if (publishing !== undefined) {
      await publishing;
      observer.changelogPublished?.({ durationMs: now() - publishStarted });
      onStep('after-changelog');
    }
    for (const { physical, lastOffset } of partitions) published.storedUpTo(physical, lastOffset);
    observer.batchProcessed({
      records: records.length,
      sessions: parsed.sessionIds.length,
      outcomes: folded.outcomes,
      durationMs: now() - started,
      storeMs,
    });
    return { kind: 'committed', next: committedPositions(physical) };
  }

  /**
   * One publish per partition number of the batch (a Kafka batch has one): its changed
   * snapshots, the stored snapshots of the sessions it republishes, and the marker moved past
   * the batch. A session belongs to the partition number of the records that touch it.
   */
  async function publishChangelog(
    partitions: readonly PartitionInBatch[],
    snapshots: ReadonlyArray<{ sessionId: string; order: CheckoutOrder }>,
    republished: ReadonlyMap<string, number>,
    parsed: ParsedBatch,
    loaded: LoadedSnapshots,
    committed: Promise<boolean>,
  ) {
    if (changelog === undefined) return;
    const partitionOfSession = new Map<string, number>(republished);
    for (const item of parsed.records)
      if (item.kind === 'event') partitionOfSession.set(item.sessionId, item.record.partition);
    const byPartition = new Map<
      number,
      { snapshots: Array<{ sessionId: string; order: CheckoutOrder }>; advances: Advance[] }
    >();
    const groupOf = (partition: number) => {
      let group = byPartition.get(partition);
      if (group === undefined)
        byPartition.set(partition, (group = { snapshots: [], advances: [] }));
      return group;
    };
    for (const { logical, logicalKey, firstOffset, lastOffset } of partitions)
      groupOf(logical.partition).advances.push({
        logicalKey,
        first: firstOffset,
        next: offsetAfter(lastOffset),
      });
    const written = new Set<string>();
    for (const { sessionId, order } of snapshots) {
      const partition = partitionOfSession.get(sessionId);
      if (partition === undefined) continue;
      groupOf(partition).snapshots.push({ sessionId, order });
      written.add(sessionId);
    }
    for (const [sessionId, partition] of republished) {
      const stored = loaded.snapshots.get(sessionId);
      if (stored !== undefined && !written.has(sessionId))
        groupOf(partition).snapshots.push({ sessionId, order: stored.order });
    }
    const outcomes = await Promise.all(
      [...byPartition].map(async ([partition, group]) => ({
        partition,
        outcome: await changelog.publish(partition, group.snapshots, group.advances, committed),
      })),
    );
    const troubled = outcomes.flatMap(({ partition, outcome }) =>
      outcome === 'fenced' || outcome === 'gap' ? [{ partition, outcome }] : [],
    );
    if (troubled.length > 0) observer.changelogTrouble?.(troubled);
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
      knownCheckpoints.delete(keyOf(logicalPartition(tp)));
      published.forget(tp);
    }
    // A partition number is released once none of its topics is known any more.
    const known = new Set([...knownCheckpoints.keys()].map((key) => parseKey(key)?.partition));
    changelog?.forget(partitions.map((tp) => tp.partition).filter((p) => !known.has(p)));
  }

  async function verifyCheckpoints(): Promise<CheckpointRegression[]> {
    // Read what is believed before asking the store: a commit landing in between only moves
    // the stored value forward, so a regression seen here is real.
    const believed = [...knownCheckpoints].flatMap(([key, checkpoint]) => {
      const tp = parseKey(key);
      return checkpoint === null || tp === undefined ? [] : [{ ...tp, key, checkpoint }];
    });
    if (believed.length === 0) return [];
    const stored = await store.loadCheckpoints(believed);
    const regressions: CheckpointRegression[] = [];
    const adopted = new Map<string, string | null>();
    for (const { topic, partition, key, checkpoint } of believed) {
      const now = stored.get(key) ?? null;
      if (now !== null && compareOffsets(now, checkpoint) >= 0) continue;
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
    return regressions;
  }

  function storedCheckpoint(partition: TopicPartition): string | null | undefined {
    const key = keyOf(logicalPartition(partition));
    const checkpoint = knownCheckpoints.get(key);
    return checkpoint === undefined || changelog === undefined
      ? checkpoint
      : changelog.resumeFrom(key, checkpoint);
  }

  return { resumePositions, processBatch, forget, verifyCheckpoints, storedCheckpoint };
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
  /** The checkpoint believed stored when the batch started: its guard. */
  expected: string | null;
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

/** The checkpoint each partition moves to: one past its last record, never backwards. */
function nextCheckpoints(partitions: readonly PartitionInBatch[]): CheckpointWrite[] {
  const writes: CheckpointWrite[] = [];
  for (const { logical, expected, lastOffset } of partitions) {
    const nextOffset = offsetAfter(lastOffset);
    // A redelivered batch entirely below the checkpoint must not move it back.
    if (expected !== null && compareOffsets(expected, nextOffset) >= 0) continue;
    writes.push({ topic: logical.topic, partition: logical.partition, nextOffset, expected });
  }
  return writes;
}
