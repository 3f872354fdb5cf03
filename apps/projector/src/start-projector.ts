import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { waveLimits } from '@checkout/config';
import { createProjectionEngine, topicNames, topicPartitionKey } from '@checkout/engine';
import type { ProjectorConfig } from './config.ts';
import { embeddedSource } from './embedded-runtime.ts';
import { exitCodeOf } from './exit-code.ts';
import type { EventSource } from './event-source.ts';
import { faultInjector } from './fault-points.ts';
import { createHttpServer } from './http-server.ts';
import { kafkaSource } from './kafka-runtime.ts';
import { createLastProblem } from './last-problem.ts';
import { createLogger, type Logger } from './logger.ts';
import { withLogging } from './logging-observer.ts';
import { createMetrics } from './metrics.ts';
import { createProgressWatch } from './progress-watch.ts';
import { createReadiness } from './readiness.ts';
import { renderStatusPage } from './status-page.ts';
import { collectStatus } from './status-report.ts';
import { embeddedStore, redisStore } from './store-runtime.ts';
import { reportFoldVersion } from './fold-version-check.ts';

export interface RunningProjector {
  log: Logger;
  /** The HTTP port actually bound (HTTP_PORT=0 picks a free one). */
  port: number;
  /** Graceful: finish the batch in flight, store, commit, leave the group. */
  stop(): Promise<void>;
  /** Resolves with the exit code: 0 after stop(), 2 after bad configuration, 1 after another fatal alarm. */
  finished: Promise<number>;
}

/**
 * Wires one projector: a store (Redis or embedded), a source (Kafka or the embedded log),
 * the shared engine between them, and the HTTP API. Mode is chosen per adapter by whether
 * REDIS_URL / KAFKA_BROKERS are set; the engine code is the same either way.
 */
export async function startProjector(config: ProjectorConfig): Promise<RunningProjector> {
  const lastProblem = createLastProblem();
  const log = createLogger(config.LOG_LEVEL, { onProblem: lastProblem.note });
  const readiness = createReadiness(['source']);
  const metrics = createMetrics({ ready: () => readiness.report().ready });
  const topics = topicNames(config.KAFKA_TOPIC_PREFIX);
  const controller = new AbortController();
  let alive = true;
  /** Set by a fatal alarm raised outside the consume loop (exit 2 for configuration). */
  let fatalExitCode: number | undefined;
  const onFatal = (error: unknown) => {
    fatalExitCode = exitCodeOf(error);
    alive = false;
    log.fatal({ err: error }, error instanceof Error ? error.message : String(error));
    controller.abort();
  };

  const store = config.REDIS_URL
    ? await redisStore({ ...config, REDIS_URL: config.REDIS_URL }, log, onFatal)
    : embeddedStore(config);
  readiness.probe('store', store.readiness);
  // Not awaited: a Redis that is down at start must not hold up the HTTP API and the probes.
  void reportFoldVersion(store.generations, log);
  const fault = faultInjector(config);
  const source: EventSource = config.KAFKA_BROKERS
    ? kafkaSource(config, topics, log, metrics, fault, store.prepare)
    : embeddedSource(config, topics, log);
  // The in-process log has KAFKA_TOPIC_PARTITIONS partitions from the start.
  if (!config.KAFKA_BROKERS) await store.prepare?.(config.KAFKA_TOPIC_PARTITIONS);
  const progress = createProgressWatch({
    timeoutMs: config.STALL_TIMEOUT_MS,
    pending: () => source.pending(),
  });
  const engine = createProjectionEngine({
    store: store.store,
    deadLetters: source.deadLetters,
    ...(source.changelog === undefined ? {} : { changelog: source.changelog }),
    topics,
    domain: { currency: config.CHECKOUT_CURRENCY },
    waves: waveLimits(config),
    observer: progress.observe(withLogging(metrics.observer, log)),
    onStep: fault,
  });

  const liveness = () => (alive ? progress.stalled() : 'the engine stopped on a fatal alarm');
  const statusPage = async () =>
    renderStatusPage(
      await collectStatus({
        source: config.KAFKA_BROKERS ? 'kafka' : 'embedded',
        store: config.REDIS_URL ? 'redis' : 'embedded',
        group: config.KAFKA_GROUP_ID,
        readiness,
        liveness,
        staleness: () => source.staleness(),
        partitions: () => source.partitions(),
        generations: store.generations,
        checkpointField: (topic, partition) => {
          const logical = topics.toLogical(topic);
          return logical === undefined ? undefined : topicPartitionKey(logical, partition);
        },
        registry: metrics.registry,
        lastProblem,
      }),
    );
  const server = createHttpServer({
    queries: store.queries,
    readiness,
    registry: metrics.registry,
    log,
    liveness,
    staleness: () => source.staleness(),
    statusPage,
    ...(config.HTTP_AUTH_TOKEN === undefined ? {} : { authToken: config.HTTP_AUTH_TOKEN }),
  });
  server.listen(config.HTTP_PORT, config.HTTP_HOST);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  log.info(
    {
      port,
      source: config.KAFKA_BROKERS ? 'kafka' : 'embedded',
      store: config.REDIS_URL ? 'redis' : 'embedded',
    },
    `checkout-projector listening on http://localhost:${port}`,
  );

  const finished = source
    .run(engine, readiness, controller.signal)
    .then(
      () => 0,
      (error: unknown) => {
        alive = false;
        // Whatever else still runs for the source (the embedded demo feed) stops too, or the
        // process would outlive its fatal alarm, serving 500s.
        controller.abort();
        log.fatal({ err: error }, error instanceof Error ? error.message : String(error));
        return exitCodeOf(error);
      },
    )
    .then(async (sourceCode) => {
      const code = fatalExitCode ?? sourceCode;
      server.close();
      server.closeAllConnections();
      await store.close();
      log.info({ exit_code: code }, 'checkout-projector stopped');
      return code;
    });

  return {
    log,
    port,
    async stop() {
      controller.abort();
      await finished;
    },
    finished,
  };
}
