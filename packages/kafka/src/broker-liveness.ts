import type { Consumer } from 'kafkajs';
import type { KafkaLog } from './kafka-log.ts';
import type { SourceReadiness } from './source-readiness.ts';

/**
 * Reports not-ready when the broker has answered nothing (no fetch, no heartbeat) for
 * `stallAfterMs` while the consumer believes it is a member of the group.
 *
 * Why: a dead broker surfaces in kafkajs only once its own retries give up (about 30 s, then
 * the consumer crashes and restarts); until then `/readyz` said ready. Past one session
 * timeout without a heartbeat the coordinator has evicted the member anyway, so that is the
 * default threshold: a rebalance that outlives it (a dead member being waited for) reports
 * not-ready too, which it is. A healthy member heartbeats every heartbeat interval, during
 * long batches and store retries included (batch-handler.ts), so it never trips this.
 */
export function watchBrokerLiveness(context: {
  consumer: Consumer;
  readiness: SourceReadiness;
  log: KafkaLog;
  stallAfterMs: number;
  now?: () => number;
}): () => void {
  const { consumer, readiness, log, stallAfterMs } = context;
  const now = context.now ?? Date.now;
  const { GROUP_JOIN, HEARTBEAT, FETCH, CRASH } = consumer.events;
  let member = false;
  let stalled = false;
  let lastAnswer = now();

  const recover = () => {
    if (!stalled) return;
    stalled = false;
    readiness.stalled(null);
    log.info({}, 'Kafka answers again');
  };
  const answered = () => {
    lastAnswer = now();
    recover();
  };
  const removers = [
    consumer.on(GROUP_JOIN, () => {
      member = true;
      answered();
    }),
    consumer.on(HEARTBEAT, answered),
    consumer.on(FETCH, answered),
    consumer.on(CRASH, () => {
      // The consumer restarts and says so through its membership; nothing to watch until it rejoins.
      member = false;
      recover();
    }),
  ];

  const timer = setInterval(
    () => {
      const silentMs = now() - lastAnswer;
      if (!member || stalled || silentMs < stallAfterMs) return;
      stalled = true;
      const reason = `Kafka has answered no fetch or heartbeat for ${Math.round(silentMs / 1000)} s`;
      readiness.stalled(reason);
      log.warn({ silentMs, stallAfterMs }, `${reason}; not ready until it does`);
    },
    Math.max(100, Math.min(1000, Math.floor(stallAfterMs / 4))),
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    for (const remove of removers) remove();
  };
}
