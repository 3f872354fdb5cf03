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
 * (one HMGET); each partition whose checkpoint went back is re-targeted at what the store
 * holds (none: the log start) and sought there at once, like after a join.
 */
export function watchStoreCheckpoints(context: {
  engine: ProjectionEngine;
  positions: AssignmentPositions;
  seek: (topic: string, partition: number, offset: string) => void;
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
      const regressions = await engine.verifyCheckpoints();
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
    } catch (error) {
      // Redis down: the batches retry and report it; the next check will look again.
      log.debug({ err: error }, 'Store watchdog could not read the checkpoints');
    } finally {
      running = false;
    }
  }

  if (context.intervalMs <= 0) return () => {};
  const timer = setInterval(() => void check(), context.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
