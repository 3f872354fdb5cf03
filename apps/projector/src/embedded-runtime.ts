import {
  createInMemoryDeadLetters,
  createInMemoryLog,
  runEmbeddedSource,
} from '@checkout/embedded';
import type { ProjectionEngine, TopicNames } from '@checkout/engine';
import type { ProjectorConfig } from './config.ts';
import { runDemoFeed } from './demo-feed.ts';
import type { Logger } from './logger.ts';
import type { Readiness } from './readiness.ts';

/**
 * The event source of `pnpm start` on a bare machine: an in-process log, fed by the demo
 * generator, consumed by the very same engine as Kafka's.
 */
export function embeddedSource(config: ProjectorConfig, topics: TopicNames, log: Logger) {
  const eventLog = createInMemoryLog({ partitions: config.KAFKA_TOPIC_PARTITIONS });
  const deadLetters = createInMemoryDeadLetters();
  return {
    deadLetters,
    // The in-process log is consumed as it is fed: nothing waits that a restart would help.
    pending: () => 0,
    partitions: () => [],
    staleness: () => null,
    async run(engine: ProjectionEngine, readiness: Readiness, signal: AbortSignal): Promise<void> {
      log.info(
        { events_per_second: config.DEMO_EVENTS_PER_SECOND, partitions: eventLog.partitions },
        'embedded event log: demo generator feeding the engine (set KAFKA_BROKERS to consume Kafka)',
      );
      readiness.set('source', true);
      await Promise.all([
        runDemoFeed({
          log: eventLog,
          eventsPerSecond: config.DEMO_EVENTS_PER_SECOND,
          seed: config.DEMO_SEED,
          toPhysical: (topic) => config.KAFKA_TOPIC_PREFIX + topic,
          signal,
        }),
        runEmbeddedSource({
          log: eventLog,
          topics: topics.physical,
          engine,
          signal,
          onError: (error) => {
            readiness.set('store', false, String(error));
            log.warn({ err: error }, 'transient failure; retrying');
          },
        }),
      ]);
    },
  };
}
