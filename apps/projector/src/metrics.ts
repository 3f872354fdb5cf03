import { isCheckoutEventName } from '@checkout/domain';
import type { EngineObserver } from '@checkout/engine';
import type { PartitionLag } from '@checkout/kafka';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the projector (`GET /metrics`). */
export interface ProjectorMetrics {
  registry: Registry;
  observer: EngineObserver;
  consumerLag: Gauge<'topic' | 'partition'>;
  consumerLagSeconds: Gauge<'topic' | 'partition'>;
  /** Next offset to process per partition: an alert tells a stuck partition by it not moving. */
  nextOffset: Gauge<'topic' | 'partition'>;
  highWatermark: Gauge<'topic' | 'partition'>;
  /** 1 per partition stopped by a history_truncated alarm; reset when the assignment changes. */
  partitionHalted: Gauge<'topic' | 'partition' | 'reason'>;
  ready: Gauge;
  storeLatency: Histogram<'operation'>;
}

export interface MetricsOptions {
  /** Whether `/readyz` answers 200, asked at every scrape. @default always ready */
  ready?: () => boolean;
}

export function createMetrics(options: MetricsOptions = {}): ProjectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'checkout_projector_' });

  const events = new Counter({
    name: 'checkout_events_total',
    help: 'Records consumed, by topic, event name and outcome (applied, skipped, ignored, dead_lettered) and reason.',
    labelNames: ['topic', 'event_name', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'checkout_batch_duration_seconds',
    help: 'Time to process one batch: parse, load, fold, dead-letter, store.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'checkout_batch_records',
    help: 'Records per batch.',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 5000],
    registers: [registry],
  });
  const storeLatency = new Histogram({
    name: 'checkout_store_duration_seconds',
    help: 'Snapshot store (Redis) time per batch: load plus guarded commit.',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const conflicts = new Counter({
    name: 'checkout_write_conflicts_total',
    help: 'Guarded writes refused because the store changed under us (zombie writer, flush, restore).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const historyIncomplete = new Counter({
    name: 'checkout_history_incomplete_total',
    help: 'Sessions written onto a snapshot the store had lost (expired, evicted, deleted) while its checkpoint remained: marked meta.history_incomplete.',
    registers: [registry],
  });
  const batchSplits = new Counter({
    name: 'checkout_batch_splits_total',
    help: 'Batches too large for one Redis commit (REDIS_MAX_COMMIT_BYTES), stored in parts.',
    registers: [registry],
  });
  const changelogPublish = new Histogram({
    name: 'checkout_changelog_publish_seconds',
    help: 'Snapshot changelog time per Kafka transaction (SNAPSHOT_CHANGELOG_TOPIC), sent behind the store commits of the waves it holds.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const changelogAlarms = new Counter({
    name: 'checkout_changelog_alarms_total',
    help: 'Snapshot changelog alarms: held (the store is behind the changelog), fenced, gap, failed (retried).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const partitionGauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['topic', 'partition'] as const, registers: [registry] });
  const consumerLag = partitionGauge(
    'checkout_consumer_lag',
    'High watermark minus next offset to process, per partition.',
  );
  const consumerLagSeconds = partitionGauge(
    'checkout_consumer_lag_seconds',
    'Seconds the newest stored record is behind the newest record fetched from the log, by Kafka record timestamps; 0 without lag.',
  );
  const nextOffset = partitionGauge(
    'checkout_partition_next_offset',
    'Next offset to process per partition (the stored checkpoint once a batch is stored).',
  );
  const highWatermark = partitionGauge(
    'checkout_partition_high_watermark',
    'High watermark per partition, as last seen by this consumer.',
  );
  const partitionHalted = new Gauge({
    name: 'checkout_partition_halted',
    help: 'Partitions this projector stopped because records it never applied are gone from the log (reason history_truncated): 1 while halted.',
    labelNames: ['topic', 'partition', 'reason'] as const,
    registers: [registry],
  });
  const isReady = options.ready ?? (() => true);
  const ready = new Gauge({
    name: 'checkout_ready',
    help: '1 when /readyz answers 200 (every component ready), 0 otherwise.',
    registers: [registry],
    collect() {
      this.set(isReady() ? 1 : 0);
    },
  });

  const waveSessions = new Counter({
    name: 'checkout_wave_sessions_total',
    help: "Sessions the stored waves folded onto, by where each came from: read from the store, or kept in memory from this projector's own last write of it (WORKING_SET_MAX_BYTES).",
    labelNames: ['source'] as const,
    registers: [registry],
  });

  const observer: EngineObserver = {
    batchProcessed(summary) {
      waveSessions.inc({ source: 'store' }, summary.sessionsRead);
      waveSessions.inc({ source: 'kept' }, summary.sessionsKept);
      batchDuration.observe(summary.durationMs / 1000);
      batchSize.observe(summary.records);
      storeLatency.observe({ operation: 'batch' }, summary.storeMs / 1000);
      for (const outcome of summary.outcomes) {
        events.inc(
          {
            topic: outcome.topic,
            event_name: eventNameLabel(outcome.eventName),
            outcome: outcome.outcome,
            reason: outcome.reason ?? '',
          },
          outcome.count,
        );
      }
    },
    writeConflict(details) {
      conflicts.inc({ kind: details.kind });
    },
    deadLettered() {},
    historyIncomplete(sessionIds) {
      historyIncomplete.inc(sessionIds.length);
    },
    batchSplit() {
      batchSplits.inc();
    },
    changelogPublished({ durationMs }) {
      changelogPublish.observe(durationMs / 1000);
    },
    changelogHeld(partitions) {
      changelogAlarms.inc({ kind: 'held' }, partitions.length);
    },
    changelogTrouble(details) {
      for (const { outcome } of details) changelogAlarms.inc({ kind: outcome });
    },
  };
  return {
    registry,
    observer,
    consumerLag,
    consumerLagSeconds,
    nextOffset,
    highWatermark,
    partitionHalted,
    ready,
    storeLatency,
  };
}

/**
 * The `event_name` label: a catalog name, or `other`. Ignored names (any text up to 200
 * characters) and the names inside rejected records (any text at all) would otherwise make
 * one time series each, without bound (SPEC §6, bounded resources); the dead-letter entries and
 * log lines keep the real name.
 */
export function eventNameLabel(eventName: string): string {
  return isCheckoutEventName(eventName) ? eventName : 'other';
}

/**
 * The per-partition gauges from a lag snapshot. Reset first: a partition revoked by a
 * rebalance must leave the gauges, or its last lag would stay and keep an alert firing.
 */
export function publishLag(metrics: ProjectorMetrics, partitions: readonly PartitionLag[]): void {
  const gauges = [
    metrics.consumerLag,
    metrics.consumerLagSeconds,
    metrics.nextOffset,
    metrics.highWatermark,
  ];
  for (const gauge of gauges) gauge.reset();
  for (const entry of partitions) {
    const labels = { topic: entry.topic, partition: String(entry.partition) };
    metrics.consumerLag.set(labels, entry.lag);
    if (entry.lagSeconds !== null) metrics.consumerLagSeconds.set(labels, entry.lagSeconds);
    metrics.nextOffset.set(labels, Number(entry.nextOffset));
    metrics.highWatermark.set(labels, Number(entry.highWatermark));
  }
}
