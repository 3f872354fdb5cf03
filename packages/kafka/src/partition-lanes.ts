/**
 * Runs the batches of one partition number one after another, and batches of different
 * partition numbers side by side, at most `limit` at once.
 *
 * Why: the five topics are co-partitioned, so partition N of every topic holds the same
 * sessions and two of its batches must not fold the same snapshot at once (the second commit
 * would fail its compare-and-set). Batches of different partition numbers touch disjoint
 * sessions: while one waits for Redis or for dead-letter acks, another can parse and fold.
 * kafkajs hands the batches of one fetch to as many workers as `partitionsConsumedConcurrently`;
 * the lanes decide which of them may go on.
 *
 * A lane runs its tasks in the order they were submitted, whatever the previous one's outcome.
 */
export interface PartitionLanes {
  run<T>(partition: number, task: () => Promise<T>): Promise<T>;
}

export function createPartitionLanes(limit: number): PartitionLanes {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`bug: partition lanes need a limit ≥ 1, got ${limit}`);
  }
  const slots = createSlots(limit);
  /** The last task submitted per partition number; settles, never rejects. */
  const tails = new Map<number, Promise<void>>();

  return {
    run(partition, task) {
      const previous = tails.get(partition) ?? Promise.resolve();
      const result = previous.then(() => slots.use(task));
      const tail = result.then(settled, settled);
      tails.set(partition, tail);
      void tail.then(() => {
        if (tails.get(partition) === tail) tails.delete(partition);
      });
      return result;
    },
  };
}

function settled(): void {}

/** A counting semaphore, first come first served. */
function createSlots(limit: number) {
  let free = limit;
  const waiting: Array<() => void> = [];

  async function acquire(): Promise<void> {
    if (free > 0) {
      free -= 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  }

  function release(): void {
    const next = waiting.shift();
    if (next === undefined) free += 1;
    else next(); // the slot passes straight to the next waiter
  }

  return {
    async use<T>(task: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
