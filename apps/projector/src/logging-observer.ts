import type { EngineObserver } from '@checkout/engine';
import type { Logger } from './logger.ts';

/** Metrics plus the log lines an operator needs: poison (with correlation_id) and conflicts. */
export function withLogging(observer: EngineObserver, log: Logger): EngineObserver {
  return {
    batchProcessed(summary) {
      observer.batchProcessed(summary);
      log.debug(
        { records: summary.records, sessions: summary.sessions, duration_ms: summary.durationMs },
        'batch stored',
      );
    },
    writeConflict(details) {
      observer.writeConflict(details);
      log.warn(
        { conflict: details },
        'guarded write refused: the store changed under this consumer; resuming from the stored checkpoint',
      );
    },
    batchSplit(records) {
      observer.batchSplit?.(records);
      log.debug(
        { records },
        'batch too large for one commit (REDIS_MAX_COMMIT_BYTES): storing it in parts',
      );
    },
    historyIncomplete(sessionIds) {
      observer.historyIncomplete(sessionIds);
      log.warn(
        { sessions: sessionIds.length, first_session_id: sessionIds[0] },
        'events folded onto sessions whose earlier snapshot is gone from the store (expired, evicted or deleted): marked meta.history_incomplete; checkout-rebuild --verify lists them, a rebuild from offset 0 restores them while Kafka holds their history',
      );
    },
    changelogPublished(details) {
      observer.changelogPublished?.(details);
    },
    changelogHeld(partitions) {
      observer.changelogHeld?.(partitions);
      log.error(
        { partitions },
        'the store holds less than the snapshot changelog (it lost data): the changelog is not updated for these partitions; restore with `checkout-rebuild --from-changelog`',
      );
    },
    changelogTrouble(details) {
      observer.changelogTrouble?.(details);
      log.warn(
        { changelog: details },
        'snapshot changelog marker not moved (fenced: another member owns the partition; gap: a batch above its position; failed: the broker refused the publish, retried with the waves after it); the next owner or assignment catches up from the marker',
      );
    },
    deadLettered(entries) {
      observer.deadLettered(entries);
      for (const entry of entries) {
        log.warn(
          {
            correlation_id: entry.correlation_id,
            event_id: entry.event_id,
            event_name: entry.event_name,
            reason: entry.reason,
            topic: entry.original.topic,
            partition: entry.original.partition,
            offset: entry.original.offset,
          },
          `dead-lettered: ${entry.message}`,
        );
      }
    },
  };
}
