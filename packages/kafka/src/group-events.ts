import { offsetAfter } from '@checkout/domain';
import {
  EngineError,
  topicPartitionKey,
  type ProjectionEngine,
  type TopicPartition,
} from '@checkout/engine';
import type { Consumer } from 'kafkajs';
import type { AssignmentPositions } from './assignment-positions.ts';
import type { ConsumerLag } from './consumer-lag.ts';
import { sourceUnavailable } from './kafka-errors.ts';
import type { KafkaLog } from './kafka-log.ts';
import type { PartitionHalts } from './partition-halts.ts';
import type { ReplayState } from './replay-state.ts';
import type { SourceReadiness } from './source-readiness.ts';

/**
 * Group membership: a join starts a new assignment (revoked partitions are forgotten by the
 * engine, owned ones are positioned at their stored checkpoints right away, so even a quiet
 * partition is replayed after the store lost data); a crash forgets everything until rejoined.
 */
export function watchGroup(context: {
  consumer: Consumer;
  engine: ProjectionEngine;
  positions: AssignmentPositions;
  lag: ConsumerLag;
  readiness: SourceReadiness;
  log: KafkaLog;
  onAssignment?: ((partitions: readonly TopicPartition[]) => void) | undefined;
  /** Where history alarms halt one partition; absent: they stop the source (`fail`). */
  halts?: PartitionHalts | undefined;
  /** A join ends every replay state: the new assignment catches up as usual. */
  replay?: ReplayState | undefined;
  fail: (error: Error) => void;
  stopping: AbortSignal;
}): void {
  const { consumer, engine, positions, lag, readiness, log, fail, stopping } = context;
  const { GROUP_JOIN, CRASH, START_BATCH_PROCESS } = consumer.events;

  consumer.on(GROUP_JOIN, ({ payload }) => {
    const assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    const kept = new Set(
      assigned.map(({ topic, partition }) => topicPartitionKey(topic, partition)),
    );
    const revoked = positions
      .owned()
      .filter(({ topic, partition }) => !kept.has(topicPartitionKey(topic, partition)));
    engine.forget(revoked);
    lag.forget(revoked);
    context.halts?.clear(); // the new owner checks each partition again
    context.replay?.clear();
    positions.reset(assigned);
    readiness.joined();
    log.info(
      {
        groupId: payload.groupId,
        memberId: payload.memberId,
        assigned: payload.memberAssignment,
        revoked,
      },
      'Joined the consumer group',
    );
    context.onAssignment?.(assigned);
    void seekToCheckpoints();
  });

  function seekToCheckpoints(): Promise<void> {
    return seekToStoredCheckpoints({
      positions,
      seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
      log,
      fail,
      halts: context.halts,
      stopping,
    });
  }

  consumer.on(START_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize !== 0) return;
    // A batch of transaction markers or aborted records, resolved by kafkajs itself.
    positions.skippedWithoutData(
      payload.topic,
      payload.partition,
      payload.firstOffset,
      payload.lastOffset,
    );
    if (positions.isVerified(payload.topic, payload.partition)) {
      lag.observe(payload.topic, payload.partition, {
        nextOffset: offsetAfter(payload.lastOffset),
      });
    }
  });

  consumer.on(CRASH, ({ payload }) => {
    engine.forget(positions.owned());
    positions.reset([]);
    lag.clear();
    if (stopping.aborted) return; // restartOnFailure said no because we are stopping anyway
    if (payload.restart) {
      readiness.notJoined(`Kafka consumer crashed (${payload.error.message}); restarting`);
    } else {
      fail(sourceUnavailable('consuming', payload.error, { canRetry: false }));
    }
  });
}

/**
 * Seeks every partition of the current assignment that is not verified yet to its resume
 * target (the stored checkpoint), right away: a quiet partition has no batch that would
 * trigger the seek. Used after a join and by the store watchdog.
 */
export async function seekToStoredCheckpoints(context: {
  positions: AssignmentPositions;
  seek: (topic: string, partition: number, offset: string) => void;
  log: KafkaLog;
  fail: (error: Error) => void;
  halts?: PartitionHalts | undefined;
  stopping: AbortSignal;
}): Promise<void> {
  const { positions, log, fail, stopping } = context;
  try {
    const { generation, targets } = await positions.unverifiedTargets();
    if (generation !== positions.generation || stopping.aborted) return;
    const sought: Record<string, string> = {};
    for (const { topic, partition, target } of targets) {
      if (positions.isVerified(topic, partition) || context.halts?.isHalted(topic, partition))
        continue;
      if (!target.ok) {
        if (target.error.code !== 'HISTORY_TRUNCATED' || context.halts === undefined)
          return fail(target.error);
        context.halts.halt(topic, partition, target.error);
        continue;
      }
      context.seek(topic, partition, target.offset);
      positions.seekIssued(topic, partition, target.offset);
      sought[topicPartitionKey(topic, partition)] = target.offset;
    }
    log.info(
      { positions: sought },
      'Positioned the assigned partitions at their stored checkpoints',
    );
  } catch (error) {
    // A refused ACL or login will not get better by retrying: stop now, even when no record
    // arrives to fail a batch (an idle topic would otherwise hide it behind a warning).
    if (error instanceof EngineError && error.code === 'CONFIGURATION') return fail(error);
    log.warn({ err: error }, 'Could not load resume positions; the first batches will retry');
  }
}
