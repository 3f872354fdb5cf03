import type { ProjectionEngine } from '@checkout/engine';
import type { AssignmentPositions } from './assignment-positions.ts';
import { seekToStoredCheckpoints } from './group-events.ts';
import type { KafkaLog } from './kafka-log.ts';
import type { PartitionHalts } from './partition-halts.ts';
import type { ReplayState } from './replay-state.ts';

/**
 * Notices a store that lost data (FLUSHALL, a restore from an older backup, a Redis without
 * persistence restarted) on partitions that receive nothing, and replays them.
 *
 * Why a watchdog: the compare-and-set commit reveals lost checkpoints only when a partition
 * has another batch to store, and a rebalance only when one happens. Partition N of every
 * topic holds the same sessions, so a quiet `checkout-events:N` after a flush would leave
 * its events out of sessions rebuilt from the replay of `cart-events:N`, forever and
 * silently. Every `intervalMs` the engine compares what it believes stored with the store
 * (one HMGET, beside the batches); each partition number where a checkpoint went back is then
 * dealt with in its lane (`inLane`): the engine adopts what the store holds, and each such
 * partition is re-targeted there (none: the log start) and sought at once, like after a join.
 *
 * Why in the lane: adopting moves where the engine's state of a partition ends. A group of
 * that number checked against the old end (a batch of offsets fetched before the loss, or the
 * next slice of a group) and folded after the adoption continued the adopted end over the
 * records in between, which the replay then skipped as already applied: sessions missing
 * events, or missing altogether, and no alarm (a Redis losing its last second under load).
 */
export function watchStoreCheckpoints(context: {
  engine: ProjectionEngine;
  positions: AssignmentPositions;
  seek: (topic: string, partition: number, offset: string) => void;
  /** Runs a task between two groups of a partition number (`BatchHandler.inLane`). */
  inLane: <T>(partitionNumber: number, task: () => Promise<T>) => Promise<T>;
  log: KafkaLog;
  fail: (error: Error) => void;
  halts?: PartitionHalts | undefined;
  /** Told of every partition whose stored checkpoint went back. */
  replay?: ReplayState | undefined;
  stopping: AbortSignal;
  intervalMs: number;
}): () => void {
  const { engine, positions, log, stopping } = context;
  let running = false;

  async function check(): Promise<void> {
    if (running || stopping.aborted || positions.owned().length === 0) return;
    running = true;
    try {
      const behind = await engine.checkpointsBehind();
      await Promise.all(
        behind.map((number) => context.inLane(number, () => replayWhatWasLost(number))),
      );
    } catch (error) {
      // Redis down: the batches retry and report it; the next check will look again.
      log.debug({ err: error }, 'Store watchdog could not read the checkpoints');
    } finally {
      running = false;
    }
  }

  async function replayWhatWasLost(partitionNumber: number): Promise<void> {
    if (stopping.aborted) return;
    const regressions = await engine.verifyCheckpoints([partitionNumber]);
    if (regressions.length === 0 || stopping.aborted) return;
    log.warn(
      { regressions },
      'The store lost checkpoints (flushed or restored); replaying those partitions from what it holds',
    );
    for (const { topic, partition, stored } of regressions) {
      positions.retarget(topic, partition);
      context.replay?.wentBack({ topic, partition }, stored);
    }
    await seekToStoredCheckpoints(context);
  }

  if (context.intervalMs <= 0) return () => {};
  const timer = setInterval(() => void check(), context.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
