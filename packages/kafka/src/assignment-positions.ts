import { compareOffsets, offsetAfter } from '@checkout/domain';
import { EngineError, topicPartitionKey, type TopicPartition } from '@checkout/engine';
import { resumeTarget, type PartitionStart, type ResumeTarget } from './resume-target.ts';

/**
 * Loads the watermarks of the partitions of one assignment, and has the engine load their
 * stored checkpoints (its `resumePositions`): the checkpoint in a returned start is that value.
 */
export type LoadStarts = (
  partitions: readonly TopicPartition[],
) => Promise<Map<string, PartitionStart>>;

/**
 * The checkpoint the engine believes stored (`ProjectionEngine.storedCheckpoint`): the one
 * owner of checkpoints. undefined when it does not know the partition (yet).
 */
export type StoredCheckpoint = (partition: TopicPartition) => string | null | undefined;

/** The partition's watermarks as the broker has them now. */
export type ReadWatermarks = (partition: TopicPartition) => Promise<Watermarks>;

export type StartDecision =
  | { kind: 'process' }
  | { kind: 'seek'; offset: string }
  | { kind: 'fatal'; error: EngineError }
  /** The assignment changed while loading: drop the batch, a fresh one will come. */
  | { kind: 'stale' };

/**
 * A seek that keeps not taking effect (the fetch comes back from elsewhere, e.g. kafkajs
 * resetting an out-of-range offset to the log start) is a bug or a moving log start: the
 * positions are reloaded after the first miss and the source stops after this many.
 */
const MAX_SEEK_ATTEMPTS = 5;

/**
 * Where each partition of the current assignment must resume, and whether the consumer is
 * there yet. One instance per source; `reset` starts a new assignment (a new generation).
 *
 * A partition is *verified* once a batch arrives fetched exactly at its resume target; until
 * then every batch is checked and, if fetched elsewhere, answered with a seek and dropped.
 * Watermarks are loaded once per assignment, on first use, for every owned partition at once
 * (with the checkpoints, which the engine keeps: one store round trip); a failed load is not
 * cached. The resume target is the engine's stored checkpoint, or past it when kafkajs
 * consumed transaction markers there by itself (`skippedWithoutData`): this module holds
 * positions to fetch from, never a copy of what is stored.
 */
export interface AssignmentPositions {
  readonly generation: number;
  reset(partitions: readonly TopicPartition[]): void;
  owned(): readonly TopicPartition[];
  /** Targets of the partitions not yet verified (for seeking right after an assignment). */
  unverifiedTargets(): Promise<{
    generation: number;
    targets: Array<TopicPartition & { target: ResumeTarget }>;
  }>;
  /** Records that a seek to `offset` was issued for this partition. */
  seekIssued(topic: string, partition: number, offset: string): void;
  isVerified(topic: string, partition: number): boolean;
  decide(batch: {
    topic: string;
    partition: number;
    fetchedOffset: string;
    highWatermark: string;
  }): Promise<StartDecision>;
  /**
   * kafkajs consumed, by itself, a fetched batch holding no data records (transaction markers,
   * aborted records: it resolves those without calling eachBatch). If it covers the resume
   * target of an unverified partition, nothing there is to be projected: the target moves past
   * it, or the consumer would seek back to the marker forever.
   */
  skippedWithoutData(
    topic: string,
    partition: number,
    firstOffset: string,
    lastOffset: string,
  ): void;
  /**
   * After a write conflict or a store that went back: the engine adopted the store's
   * checkpoint; the partition is re-verified by its next batch, answered with a seek if needed.
   */
  retarget(topic: string, partition: number): void;
}

type Watermarks = Pick<PartitionStart, 'low' | 'high'>;

export function createAssignmentPositions(
  load: LoadStarts,
  storedCheckpoint: StoredCheckpoint,
  readWatermarks: ReadWatermarks,
): AssignmentPositions {
  let generation = 0;
  let owned: TopicPartition[] = [];
  let cache: Map<string, Watermarks> | null = null;
  let loading: Promise<Map<string, Watermarks>> | null = null;
  const verified = new Set<string>();
  const seeks = new Map<string, { offset: string; attempts: number }>();
  /** Where to fetch from past the checkpoint: kafkajs consumed only markers up to there. */
  const pastMarkers = new Map<string, string>();
  /**
   * The highest log end a batch showed per partition: a load of the watermarks that was in
   * flight meanwhile read an older one, and must not lower it.
   */
  const seenHighs = new Map<string, string>();

  /** The start to resume from: the engine's checkpoint, or past the markers after it. */
  function startOf(tp: TopicPartition, marks: Watermarks): PartitionStart | undefined {
    const checkpoint = storedCheckpoint(tp);
    if (checkpoint === undefined) return undefined;
    const skip = pastMarkers.get(topicPartitionKey(tp.topic, tp.partition));
    const from =
      skip !== undefined && (checkpoint === null || compareOffsets(skip, checkpoint) > 0)
        ? skip
        : checkpoint;
    return { ...marks, checkpoint: from };
  }

  function invalidate(): void {
    cache = null;
    loading = null;
  }

  /**
   * Keeps the cached log end as fresh as the batches say: a conflict re-targets partitions
   * whose checkpoints moved past the end read at assignment, and judged against that old end
   * they would look like a log that went back (and halt).
   */
  function raiseHigh(key: string, highWatermark: string): void {
    const seen = seenHighs.get(key);
    if (seen === undefined || compareOffsets(highWatermark, seen) > 0)
      seenHighs.set(key, highWatermark);
    const marks = cache?.get(key);
    if (marks !== undefined && compareOffsets(highWatermark, marks.high) > 0)
      cache?.set(key, { ...marks, high: highWatermark });
  }

  /** A loaded log end, or the higher one a batch showed while the load was in flight. */
  function freshest(key: string, high: string): string {
    const seen = seenHighs.get(key);
    return seen !== undefined && compareOffsets(seen, high) > 0 ? seen : high;
  }

  /**
   * Where a start resumes. A checkpoint past the log end is judged again against the log end
   * read now before it becomes an alarm: the checkpoint may have been stored by another writer
   * that read further than any load or batch here (the engine adopts it after a conflict), and
   * only a log end read after it can say the log went back.
   */
  async function confirmedTarget(tp: TopicPartition, start: PartitionStart): Promise<ResumeTarget> {
    const key = topicPartitionKey(tp.topic, tp.partition);
    const target = resumeTarget(key, start);
    if (target.ok || start.checkpoint === null || compareOffsets(start.checkpoint, start.high) <= 0)
      return target;
    const now = await readWatermarks(tp);
    raiseHigh(key, now.high);
    return resumeTarget(key, { ...start, ...now });
  }

  function loadStarts(): Promise<Map<string, Watermarks>> {
    if (cache !== null) return Promise.resolve(cache);
    if (loading === null) {
      const attempt: Promise<Map<string, Watermarks>> = load(owned).then(
        (loaded) => {
          const marks = new Map<string, Watermarks>();
          for (const [key, { low, high }] of loaded)
            marks.set(key, { low, high: freshest(key, high) });
          if (loading === attempt) [cache, loading] = [marks, null];
          return marks;
        },
        (error: unknown) => {
          if (loading === attempt) loading = null;
          throw error;
        },
      );
      loading = attempt;
    }
    return loading;
  }

  return {
    get generation() {
      return generation;
    },
    reset(partitions) {
      generation += 1;
      owned = [...partitions];
      invalidate();
      verified.clear();
      seeks.clear();
      pastMarkers.clear();
      seenHighs.clear();
    },
    owned: () => owned,
    async unverifiedTargets() {
      const at = generation;
      const loaded = await loadStarts();
      if (at !== generation) return { generation: at, targets: [] };
      const targets = await Promise.all(
        owned
          .filter(({ topic, partition }) => !verified.has(topicPartitionKey(topic, partition)))
          .flatMap((tp) => {
            const marks = loaded.get(topicPartitionKey(tp.topic, tp.partition));
            const start = marks === undefined ? undefined : startOf(tp, marks);
            return start === undefined ? [] : [{ tp, start }];
          })
          .map(async ({ tp, start }) => ({ ...tp, target: await confirmedTarget(tp, start) })),
      );
      if (at !== generation) return { generation: at, targets: [] };
      return { generation: at, targets };
    },
    seekIssued(topic, partition, offset) {
      const key = topicPartitionKey(topic, partition);
      verified.delete(key);
      const previous = seeks.get(key);
      seeks.set(key, { offset, attempts: previous?.offset === offset ? previous.attempts + 1 : 1 });
    },
    isVerified(topic, partition) {
      return verified.has(topicPartitionKey(topic, partition));
    },
    async decide({ topic, partition, fetchedOffset, highWatermark }) {
      const key = topicPartitionKey(topic, partition);
      raiseHigh(key, highWatermark);
      if (verified.has(key)) return { kind: 'process' };
      const at = generation;
      const marks = (await loadStarts()).get(key);
      if (at !== generation || marks === undefined) return { kind: 'stale' };
      const loaded = startOf({ topic, partition }, marks);
      if (loaded === undefined) {
        invalidate(); // the engine forgot the partition: loading again has it re-read
        return { kind: 'stale' };
      }
      const target = await confirmedTarget({ topic, partition }, loaded);
      if (at !== generation) return { kind: 'stale' };
      if (!target.ok) return { kind: 'fatal', error: target.error };
      if (compareOffsets(fetchedOffset, target.offset) === 0) {
        verified.add(key);
        seeks.delete(key);
        return { kind: 'process' };
      }
      const previous = seeks.get(key);
      if (previous?.offset === target.offset) {
        if (previous.attempts >= MAX_SEEK_ATTEMPTS) {
          return { kind: 'fatal', error: seekIneffective(key, target.offset, fetchedOffset) };
        }
        invalidate(); // the log start may have moved under us (retention): reload before deciding again
      }
      return { kind: 'seek', offset: target.offset };
    },
    skippedWithoutData(topic, partition, firstOffset, lastOffset) {
      const key = topicPartitionKey(topic, partition);
      const marks = cache?.get(key);
      if (marks === undefined || verified.has(key)) return;
      const start = startOf({ topic, partition }, marks);
      if (start === undefined) return;
      const target = resumeTarget(key, start);
      if (!target.ok) return;
      const after = offsetAfter(lastOffset);
      if (
        compareOffsets(firstOffset, target.offset) <= 0 &&
        compareOffsets(target.offset, after) <= 0
      ) {
        pastMarkers.set(key, after);
      }
    },
    retarget(topic, partition) {
      const key = topicPartitionKey(topic, partition);
      verified.delete(key);
      pastMarkers.delete(key);
    },
  };
}

function seekIneffective(key: string, target: string, fetched: string): EngineError {
  return new EngineError(
    'SOURCE_UNAVAILABLE',
    `Partition ${key}: seeking to the stored checkpoint ${target} does not take effect (the consumer keeps ` +
      `fetching from ${fetched}). Refusing to guess a position; check the topic's log start and retention.`,
    { canRetry: false, context: { partitionKey: key, target, fetched } },
  );
}
