/**
 * One lane per partition number. A lane takes every item submitted to it since its last
 * group started and runs them as one group; the next group of a lane starts after the
 * previous one ended, whatever its outcome. Groups of different partition numbers run side
 * by side, at most `limit` at once.
 *
 * Why lanes: the five topics are co-partitioned, so partition N of every topic holds the
 * same sessions and two of its batches must not fold the same snapshot at once (the second
 * commit would fail its compare-and-set). Batches of different partition numbers touch
 * disjoint sessions: while one group waits for Redis or for dead-letter acks, another can
 * parse and fold.
 *
 * Why groups: kafkajs hands every batch of a fetch to its workers in the same tick, so the
 * batches of partition N of all five topics arrive together. Folded as one, a session with
 * events in several topics is loaded, decoded, encoded and written once instead of once per
 * topic. A lane starts its group on the next turn of the event loop, to let them all arrive.
 */
export interface PartitionLanes<T> {
  /** Resolves when the group that took `item` has run; rejects with that group's error. */
  submit(partition: number, item: T): Promise<void>;
}

export function createPartitionLanes<T>(
  limit: number,
  runGroup: (partition: number, items: T[]) => Promise<void>,
): PartitionLanes<T> {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`bug: partition lanes need a limit ≥ 1, got ${limit}`);
  }
  const slots = createSlots(limit);
  const lanes = new Map<number, Lane<T>>();

  async function drain(partition: number, lane: Lane<T>): Promise<void> {
    while (lane.pending.length > 0) {
      await slots.acquire();
      // Whatever arrived while waiting for a slot joins this group.
      const group = lane.pending.splice(0);
      try {
        await runGroup(
          partition,
          group.map(({ item }) => item),
        );
        for (const { resolve } of group) resolve();
      } catch (error) {
        for (const { reject } of group) reject(error);
      } finally {
        slots.release();
      }
    }
    lanes.delete(partition);
  }

  return {
    submit(partition, item) {
      return new Promise<void>((resolve, reject) => {
        let lane = lanes.get(partition);
        if (lane === undefined) {
          lane = { pending: [] };
          lanes.set(partition, lane);
          const started = lane;
          setImmediate(() => void drain(partition, started));
        }
        lane.pending.push({ item, resolve, reject });
      });
    },
  };
}

interface Lane<T> {
  pending: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }>;
}

/** A counting semaphore, first come first served. */
function createSlots(limit: number) {
  let free = limit;
  const waiting: Array<() => void> = [];
  return {
    async acquire(): Promise<void> {
      if (free > 0) {
        free -= 1;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next === undefined) free += 1;
      else next(); // the slot passes straight to the next waiter
    },
  };
}
