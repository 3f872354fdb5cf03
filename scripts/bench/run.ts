import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topicNames } from '@checkout/engine';
import { createKafka, ensureTopics } from '@checkout/kafka';
import { connectRedisClient, createRedisClient } from '@checkout/redis';
import { standaloneStore, startClusterStore, type BenchStore } from './bench-store.ts';
import { highWatermarks } from './consumer-group.ts';
import { runDomainBench } from './domain-bench.ts';
import { startInfrastructure } from './infrastructure.ts';
import { measureFreshness } from './freshness.ts';
import { describeMachine, loadAverage, machineCpuTicks, stealPercent } from './machine.ts';
import {
  measureLimit,
  measureOriginalDesign,
  measureProjector,
  measureRebuild,
  type PhaseContext,
  type PhaseId,
} from './phases.ts';
import { produceRecords, type CompressionName } from './produce-records.ts';
import { evaluateTargets, formatReport, type BenchResults, type SizeResult } from './report.ts';

/**
 * `pnpm bench`: one broker, one Redis, the same records for every design (produced once per
 * size under a topic prefix of its own), measured side by side in one run. See BENCHMARKS.md.
 *
 * Environment:
 * - BENCH_SIZES: comma-separated record counts. @default 100000,1000000
 * - BENCH_PHASES: which designs, in run order (a is measured twice, first and last; k is the
 *   limit with @platformatic/kafka; u the projector with V8's default heap; p the projector
 *   publishing the snapshot changelog, r the restore from it, after p; f the freshness of a
 *   caught-up projector under a paced load, on topics of its own: freshness.ts; g the same
 *   publishing the snapshot changelog; h the same load read by a raw kafkajs consumer, the
 *   floor of f). @default akcudbaf
 * - BENCH_KAFKA_BROKERS / BENCH_REDIS_URL: use running servers instead of starting them.
 * - BENCH_KAFKA_FLUSH: each | os, how the started broker flushes (infrastructure.ts). @default each
 * - BENCH_PARTITIONS: partitions of each topic. @default 3
 * - BENCH_SEED: generator seed. @default 7
 * - BENCH_COMPRESSION: gzip | none, how the records are produced. @default gzip
 * - BENCH_DOMAIN_RECORDS: records of the in-memory domain figures (0 skips them). @default 100000
 * - BENCH_CPU_PROF=1: `--cpu-prof` the projector and rebuild children into bench-results/profiles.
 * - BENCH_KEEP_TOPICS=1: keep the bench's topics (they are deleted after each size).
 * - Phases C and D (opt-in, e.g. BENCH_PHASES=cCdD): the projector and the rebuild on a Redis
 *   Cluster of 3 masters and 3 replicas the bench starts (testkit), beside (c) and (d).
 * - BENCH_SPREAD_PARTITIONS: partition counts of (C)'s key spread table. @default 6,12,48
 */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = join(repoRoot, 'bench-results');

interface Settings {
  sizes: number[];
  phases: Array<PhaseId | 'f' | 'g' | 'h'>;
  partitions: number;
  seed: number;
  compression: CompressionName;
  domainRecords: number;
  ttlSeconds: number;
  spreadPartitions: number[];
}

function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  const numbers = (name: string, fallback: string) =>
    (env[name] ?? fallback).split(',').map((text) => {
      const value = Number(text.trim().replace(/_/g, ''));
      if (!Number.isSafeInteger(value) || value < 0)
        throw new Error(`${name}: ${text} is not a whole number`);
      return value;
    });
  const phases = (env['BENCH_PHASES'] ?? 'akcudbaf').split('') as Array<PhaseId | 'f' | 'g' | 'h'>;
  if (phases.some((phase) => !'abcdkuCDprfgh'.includes(phase))) {
    throw new Error(
      `BENCH_PHASES: use the letters a, b, c, d, k, u, C, D, p, r, f, g, h (got ${env['BENCH_PHASES']})`,
    );
  }
  const published = phases.indexOf('p');
  if (phases.includes('r') && (published < 0 || published > phases.indexOf('r'))) {
    throw new Error('BENCH_PHASES: r restores the changelog p publishes; put p before r');
  }
  const compression = env['BENCH_COMPRESSION'] ?? 'gzip';
  if (compression !== 'gzip' && compression !== 'none') {
    throw new Error(`BENCH_COMPRESSION: gzip or none (got ${compression})`);
  }
  return {
    sizes: numbers('BENCH_SIZES', '100000,1000000').filter((size) => size > 0),
    phases,
    partitions: numbers('BENCH_PARTITIONS', '3')[0] ?? 3,
    seed: numbers('BENCH_SEED', '7')[0] ?? 7,
    compression,
    domainRecords: numbers('BENCH_DOMAIN_RECORDS', '100000')[0] ?? 100_000,
    ttlSeconds: 24 * 3600,
    spreadPartitions: numbers('BENCH_SPREAD_PARTITIONS', '6,12,48').filter((count) => count > 0),
  };
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<BenchResults> {
  const settings = settingsFromEnv(process.env);
  mkdirSync(resultsDir, { recursive: true });
  const startedAt = new Date();
  const loadAtStart = loadAverage();

  const domain =
    settings.domainRecords > 0
      ? (log(`(e) pure domain on ${settings.domainRecords} records…`),
        await runDomainBench({ seed: settings.seed, records: settings.domainRecords, rounds: 10 }))
      : [];

  const infrastructure = await startInfrastructure(log);
  const machine = describeMachine({
    kafka: infrastructure.kafkaVersion,
    redis: infrastructure.redisVersion,
  });
  machine.loadAverageStart = loadAtStart;
  log(
    `Kafka ${infrastructure.brokers.join(',')} (${infrastructure.kafkaSource}), Redis ${infrastructure.redisUrl} (${infrastructure.redisSource})`,
  );
  const kafka = createKafka({
    brokers: infrastructure.brokers,
    clientId: 'checkout-bench',
    logLevel: 'error',
  });
  const admin = kafka.admin();
  const redis = createRedisClient(infrastructure.redisUrl, {
    connectionName: 'checkout-bench',
    commandTimeoutMs: 60_000,
  });
  const sizes: SizeResult[] = [];
  let cluster: BenchStore | undefined;
  try {
    await admin.connect();
    await connectRedisClient(redis);
    if (settings.phases.some((phase) => phase === 'C' || phase === 'D')) {
      log('starting a Redis Cluster of 3 masters and 3 replicas (testkit)…');
      cluster = await startClusterStore(settings.partitions);
    }
    const stores = { standalone: standaloneStore(infrastructure.redisUrl, redis), cluster };
    const runId = Date.now().toString(36);
    for (const size of settings.sizes) {
      const tag = `bench-${size}-${runId}`;
      const prefix = `${tag}.`;
      const topics = topicNames(prefix);
      await ensureTopics(
        admin,
        [...topics.physical, `${prefix}checkout-events-dlq`],
        settings.partitions,
      );
      log(`${size} records: producing to ${prefix}* (${settings.compression})…`);
      const produce = await produceRecords({
        kafka,
        topics,
        stream: { seed: settings.seed, records: size },
        compression: settings.compression,
      });
      log(`  produced in ${produce.seconds.toFixed(1)} s`);
      const context: PhaseContext = {
        kafka,
        admin,
        redis,
        stores,
        spreadPartitions: settings.spreadPartitions,
        brokers: infrastructure.brokers,
        redisUrl: infrastructure.redisUrl,
        topics,
        prefix,
        highs: await highWatermarks(admin, topics.physical),
        records: produce.records,
        partitions: settings.partitions,
        seed: settings.seed,
        compression: settings.compression,
        resultsDir,
        tag,
        // The original design at a few thousand events/s is the slowest; none may hang the run.
        timeoutMs: 120_000 + size * 2,
        ttlSeconds: settings.ttlSeconds,
      };
      const result: SizeResult = { size, topicPrefix: prefix, produce, phases: [] };
      sizes.push(result);
      const attempts = { a: 0, k: 0 };
      for (const phase of settings.phases) {
        log(`  (${phase}) ${phaseName(phase)}…`);
        const ticksBefore = machineCpuTicks();
        const noteSteal = () => {
          const percent = stealPercent(ticksBefore, machineCpuTicks());
          if (percent === undefined) return;
          (result.steal ??= []).push({ phase, percent });
          log(`      steal time ${percent.toFixed(1)} % of the machine's CPU`);
        };
        if (phase === 'f' || phase === 'g' || phase === 'h') {
          const freshness = await measureFreshness(context, phase);
          for (const rate of freshness.rates) {
            log(
              `      ${rate.offered} events/s offered: p50 ${rate.latency.p50.toFixed(1)} ms, p99 ${rate.latency.p99.toFixed(1)} ms, max ${rate.latency.max.toFixed(1)} ms`,
            );
          }
          if (phase === 'f') result.freshness = freshness;
          else if (phase === 'g') result.freshnessWithChangelog = freshness;
          else result.freshnessLimit = freshness;
          noteSteal();
          continue;
        }
        const measured =
          phase === 'a' || phase === 'k'
            ? await measureLimit(context, phase, (attempts[phase] += 1))
            : phase === 'b'
              ? await measureOriginalDesign(context)
              : phase === 'c' || phase === 'u' || phase === 'C' || phase === 'p'
                ? await measureProjector(context, phase)
                : await measureRebuild(context, phase);
        log(
          `      ${Math.round(measured.eventsPerSecond)} events/s (${measured.seconds.toFixed(1)} s active, ${measured.wallSeconds.toFixed(1)} s wall)`,
        );
        result.phases.push(measured);
        noteSteal();
      }
      if (process.env['BENCH_KEEP_TOPICS'] !== '1') {
        const changelog = settings.phases.includes('p') ? [`${prefix}snapshot-changelog`] : [];
        await admin
          .deleteTopics({
            topics: [...topics.physical, `${prefix}checkout-events-dlq`, ...changelog],
          })
          .catch((error: unknown) =>
            log(`could not delete the topics of ${prefix}: ${String(error)}`),
          );
      }
    }
  } finally {
    await cluster?.stop();
    redis.disconnect();
    await admin.disconnect().catch(() => undefined);
    await infrastructure.stop();
  }
  machine.loadAverageEnd = loadAverage();
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    settings: { ...settings },
    sizes,
    domain,
    targets: evaluateTargets(sizes, domain),
  };
}

function phaseName(phase: PhaseId | 'f' | 'g' | 'h'): string {
  return {
    a: 'limit: raw kafkajs consumption',
    k: 'limit: raw @platformatic/kafka consumption',
    b: 'original design: GET → apply → SET per event',
    c: 'checkout-projector end to end',
    u: 'checkout-projector with V8 default heap settings',
    d: 'checkout-rebuild --from-offset earliest',
    C: 'checkout-projector on the Redis Cluster',
    D: 'checkout-rebuild --from-offset earliest on the Redis Cluster',
    p: 'checkout-projector publishing the snapshot changelog',
    r: 'checkout-rebuild --from-changelog (restore)',
    f: 'freshness: a caught-up checkout-projector under a paced load',
    g: 'freshness as (f), the projector publishing the snapshot changelog',
    h: 'freshness limit: the load of (f) read by a raw kafkajs consumer',
  }[phase];
}

try {
  const results = await main();
  const file = join(resultsDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${formatReport(results)}\n\nFigures written to ${file}\n`);
  process.exitCode = 0;
} catch (error) {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
// kafkajs and ioredis may keep timers alive after a failure; the bench must end by itself.
setTimeout(() => process.exit(), 5_000).unref();
