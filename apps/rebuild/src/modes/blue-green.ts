import { waveLimits } from '@checkout/config';
import type { PartitionWatermarks } from '@checkout/kafka';
import {
  activeGeneration,
  newGenerationId,
  switchGenerationWhenCaughtUp,
  readCheckpoints,
} from '@checkout/redis';
import type { CliContext, CommandOutcome } from '../cli-context.ts';
import { CliError, usageError } from '../cli-error.ts';
import { HEARTBEAT_INTERVAL_MS } from '../generations/generation-role.ts';
import { registerGeneration, updateGeneration } from '../generations/generation-registry.ts';
import { readTopicLayout } from '../kafka-admin.ts';
import { formatCount } from '../output/format.ts';
import type { ReplayStart } from '../rebuild-plan.ts';
import { generationName } from '../redis-client.ts';
import {
  prefillFromArchive,
  type ArchivePrefill,
  type ArchiveSource,
} from '../replay/archive-prefill.ts';
import { catchUpState, type PartitionPlan, type ReplayPositions } from '../replay/catch-up.ts';
import { prefillFromChangelog, type ChangelogPrefill } from '../replay/changelog-prefill.ts';
import { liveDeadLetters } from '../replay/dead-letters.ts';
import { redisGenerationTarget, seedCheckpoints } from '../replay/replay-target.ts';
import { createReplayStats } from '../replay/replay-stats.ts';
import { runReplay, type ReplayResult } from '../replay/run-replay.ts';
import { startPositions, type StartRule } from '../replay/start-positions.ts';
import { blueGreenReport } from './blue-green-report.ts';
import { eventsToReplay, throttled, withAdvice } from './mode-support.ts';

export type BlueGreenTarget =
  /** `--from-offset`: a new generation replayed from a start. */
  | { kind: 'new'; start: ReplayStart }
  /** `generations activate <id>`: an existing generation resumed from its own checkpoints. */
  | { kind: 'existing'; generation: string | null };

export interface BlueGreenOptions {
  fetchBytes: number | undefined;
  /** `--source eventstore`: replay this archive first, then Kafka from where it ends. */
  archive?: ArchiveSource | undefined;
  /** `--from-changelog`: restore this snapshot changelog first, then Kafka from its markers. */
  changelog?: { topic: string } | undefined;
}

/**
 * The blue/green rebuild (README, "Zero-downtime rebuild"):
 *
 * 1. Read the high watermarks H and the active generation L; take a new generation id B.
 * 2. Replay into B with the projector's engine and Kafka source under a throwaway consumer
 *    group, writing B's snapshots and B's checkpoints *under the live group's name*. A numeric
 *    start is stored as B's checkpoints first; no checkpoint means the log start. With an
 *    archive, the archive is replayed into B first and Kafka continues from its offsets.
 * 3. Once every B checkpoint ≥ H and ≥ L's, switch the pointer from L to B in one Lua script
 *    that re-checks both the pointer and "B ≥ L" inside Redis. If the live projector moved
 *    ahead in between, keep replaying and try again.
 * 4. Stop the replay. The live projector (following the active generation) fails its next
 *    commit on the pointer guard, re-reads its checkpoints, now B's, and goes on from there:
 *    nothing it consumed after the switch is lost, nothing before it is needed.
 *
 * Readers see L until the switch and B from then on; B is never behind L, so no session goes
 * back in time. L is kept for rollback. A run that dies before the switch leaves B unswitched
 * (an orphan in `generations list`) and never touches L.
 */
export async function blueGreenRebuild(
  context: CliContext,
  target: BlueGreenTarget,
  options: BlueGreenOptions,
): Promise<CommandOutcome> {
  const config = context.config();
  const namespace = config.REDIS_NAMESPACE;
  const group = config.KAFKA_GROUP_ID;
  const redis = await context.redis();
  const keys = await context.keyLayout();
  const kafka = context.kafka();
  const topics = context.topics();
  const { archive, changelog } = options;

  const layout = await readTopicLayout(kafka, topics, {
    allowCompacted: context.config().KAFKA_ALLOW_COMPACTED_TOPICS,
  });
  const live = await activeGeneration(redis, { layout: keys });
  let rule: StartRule;
  let from: string;
  if (target.kind === 'new') {
    rule = target.start;
    from = target.start.kind === 'earliest' ? 'earliest' : `offset ${target.start.offset}`;
    if (archive !== undefined) from = `${archive.label}, then Kafka`;
    if (changelog !== undefined) from = `the snapshot changelog ${changelog.topic}, then Kafka`;
  } else {
    if (target.generation === live) {
      throw usageError(`Generation ${generationName(live)} is already the active one.`);
    }
    rule = {
      kind: 'checkpoints',
      checkpoints: await readCheckpoints(redis, keys, target.generation, group),
    };
    from = `the checkpoints of generation ${generationName(target.generation)}`;
  }
  // With an archive, where Kafka takes over is known only once the archive is replayed.
  // With an archive or a changelog, where Kafka takes over is known only once it is read.
  const prefilled = archive !== undefined || changelog !== undefined;
  let plans = prefilled ? [] : planOrThrow(layout.watermarks, rule);
  const events = eventsToReplay(plans);
  await context.confirm(
    target.kind === 'existing'
      ? `Catch generation ${generationName(target.generation)} up from its checkpoints (${formatCount(events)} events), ` +
          `then switch readers from generation ${generationName(live)} to it.`
      : `Rebuild the projection into a new generation from ${from}` +
          (!prefilled ? ` (${formatCount(events)} events in ${plans.length} partitions)` : '') +
          `, then switch readers from generation ${generationName(live)} to it once it has caught up with the live projector.`,
  );

  const generation =
    target.kind === 'new' ? await newGenerationId(redis, { layout: keys }) : target.generation;
  const name = generationName(generation);
  if (generation !== null) {
    if (target.kind === 'new') {
      await registerGeneration(redis, namespace, generation, {
        purpose: 'rebuild',
        from,
        replaces: generationName(live),
      });
    } else {
      await updateGeneration(redis, namespace, generation, { state: 'building' });
    }
  }
  const store = redisGenerationTarget({
    redis,
    layout: keys,
    generation,
    group,
    ttlSeconds: config.SNAPSHOT_TTL_SECONDS,
    maxCommitBytes: config.REDIS_MAX_COMMIT_BYTES,
  });
  const deadLetters = await liveDeadLetters(kafka, {
    topic: config.DLQ_TOPIC,
    topics,
    log: context.log(),
    liveCheckpoints: () => readCheckpoints(redis, keys, live, group),
  });
  const heartbeat = throttled(HEARTBEAT_INTERVAL_MS, async () => {
    if (generation !== null) await updateGeneration(redis, namespace, generation, {});
  });
  let attempts = 0;
  let switchedAt: string | undefined;
  let archived: ArchivePrefill | undefined;
  let restored: ChangelogPrefill | undefined;

  try {
    if (target.kind === 'new' && rule.kind === 'offset') {
      await seedCheckpoints(
        store,
        plans.map(({ field, start }) => ({ field, offset: start })),
      );
    }
    if (archive !== undefined) {
      archived = await prefillFromArchive({
        archive,
        target: store,
        deadLetters,
        topics,
        currency: config.CHECKOUT_CURRENCY,
        signal: context.io.signal,
        progress: context.progress(`generation ${name} from the archive`),
        onBatch: heartbeat,
      });
    }
    if (changelog !== undefined) {
      restored = await prefillFromChangelog({
        kafka,
        topic: changelog.topic,
        partitions: layout.partitions,
        target: store,
        groupPrefix: `${group}.rebuild.${name}.changelog`,
        signal: context.io.signal,
        progress: context.progress(`generation ${name} from the changelog`),
        onBatch: heartbeat,
      });
    }
    if (prefilled) {
      plans = planOrThrow(layout.watermarks, {
        kind: 'checkpoints',
        checkpoints: await store.readCheckpoints(),
      });
    }
    const partitions = plans.map(({ field }) => field);
    const decide = async (positions: ReplayPositions) => {
      if (!catchUpState(plans, positions).reachedStart) return { stop: false, phase: 'replaying' };
      const ahead = catchUpState(plans, positions, await readCheckpoints(redis, keys, live, group));
      if (!ahead.caughtUp) {
        return {
          stop: false,
          phase: `catching up with the live projector (${ahead.behind[0]?.field})`,
        };
      }
      attempts += 1;
      const switched = await switchGenerationWhenCaughtUp(redis, {
        layout: keys,
        group,
        from: live,
        to: generation,
        partitions,
      });
      if (switched.ok) {
        switchedAt = new Date().toISOString();
        return { stop: true, phase: 'switched' };
      }
      if (switched.reason === 'pointer-moved') {
        throw new CliError(
          'failure',
          `Readers were switched to generation ${generationName(switched.actual)} by someone else while this rebuild ran ` +
            `(it expected ${generationName(live)}); not switching.`,
        );
      }
      return {
        stop: false,
        phase: `switch refused: live projector ahead on ${switched.partition}; retrying`,
      };
    };
    // A prefill that already reached every start watermark (a restore whose markers are the
    // log end, nothing live ahead of it) switches at once: a replay would join a consumer group
    // and fetch (and decompress) batches only to find nothing to apply.
    let result: ReplayResult | undefined;
    if (prefilled) {
      const started = performance.now();
      const positions = {
        stored: await store.readCheckpoints(),
        consumed: new Map<string, string>(),
      };
      if ((await decide(positions)).stop) {
        result = {
          summary: createReplayStats().summary(),
          positions,
          durationMs: performance.now() - started,
        };
      }
    }
    result ??= await runReplay({
      kafka,
      groupId: `${group}.rebuild.${name}`,
      topics,
      target: store,
      deadLetters,
      currency: config.CHECKOUT_CURRENCY,
      waves: waveLimits(config),
      partitions: plans,
      log: context.log(),
      signal: context.io.signal,
      progress: context.progress(`generation ${name}`),
      fetchBytes: options.fetchBytes,
      onTick: heartbeat,
      decide,
    });
    if (switchedAt === undefined) throw new Error('bug: the replay stopped without switching');
    if (generation !== null) {
      await updateGeneration(redis, namespace, generation, {
        state: 'switched',
        switched_at: switchedAt,
      });
    }
    return blueGreenReport({
      from,
      generation,
      live,
      attempts,
      switchedAt,
      result,
      plans,
      archived,
      restored,
      deadLetters: deadLetters.published(),
      deadLettersAlreadyPublished: deadLetters.alreadyPublished(),
    });
  } catch (error) {
    const state =
      error instanceof CliError && error.reason === 'interrupted' ? 'interrupted' : 'failed';
    if (generation !== null)
      await updateGeneration(redis, namespace, generation, { state }).catch(() => undefined);
    throw withAdvice(
      error,
      `Readers still read generation ${generationName(live)}; generation ${name} was not switched to. ` +
        `Resume it with \`checkout-rebuild generations activate ${name}\`` +
        (generation === null
          ? '.'
          : `, or drop it with \`checkout-rebuild generations drop ${name}\`.`),
    );
  } finally {
    await deadLetters.disconnect();
  }
}

function planOrThrow(
  watermarks: ReadonlyMap<string, PartitionWatermarks>,
  rule: StartRule,
): PartitionPlan[] {
  const planned = startPositions(watermarks, rule);
  if (!planned.ok) throw planned.error;
  return planned.value;
}
