import { waveLimits } from '@checkout/config';
import { activeGeneration, readCheckpoints } from '@checkout/redis';
import type { CliContext, CommandOutcome } from '../cli-context.ts';
import { readTopicLayout, topicSubset } from '../kafka-admin.ts';
import { formatCount, formatDuration, table } from '../output/format.ts';
import type { RebuildPlan } from '../rebuild-plan.ts';
import { generationName } from '../redis-client.ts';
import { catchUpState } from '../replay/catch-up.ts';
import { liveDeadLetters } from '../replay/dead-letters.ts';
import { redisGenerationTarget } from '../replay/replay-target.ts';
import { runReplay } from '../replay/run-replay.ts';
import { startPositions } from '../replay/start-positions.ts';
import { eventsToReplay, partitionRows } from './mode-support.ts';

/**
 * `--from-snapshot`: recovery in place, on the active generation. Each partition resumes from
 * its stored checkpoint (none = the log start) and catches up to the high watermark read at
 * the start, under the consumer group `<group>.recovery`, writing the live group's checkpoints.
 * What the snapshots already hold is not replayed. Safe next to a running live projector: both
 * write with compare-and-set, and whichever loses a race re-reads the checkpoints and skips.
 */
export async function recoverFromSnapshot(
  context: CliContext,
  plan: Extract<RebuildPlan, { mode: 'from-snapshot' }>,
): Promise<CommandOutcome> {
  const config = context.config();
  const group = config.KAFKA_GROUP_ID;
  const redis = await context.redis();
  const keys = await context.keyLayout();
  const kafka = context.kafka();
  const topics = context.topics();

  const layout = await readTopicLayout(kafka, topics, {
    topics: plan.topics,
    allowCompacted: context.config().KAFKA_ALLOW_COMPACTED_TOPICS,
  });
  const generation = await activeGeneration(redis, { layout: keys });
  const checkpoints = await readCheckpoints(redis, keys, generation, group);
  const planned = startPositions(layout.watermarks, { kind: 'checkpoints', checkpoints });
  if (!planned.ok) throw planned.error;
  const plans = planned.value;
  const pending = eventsToReplay(plans);
  const name = generationName(generation);

  if (plan.dryRun || pending === 0n) {
    const rows = plans.map(({ field, start, high }) => [
      field,
      checkpoints.get(field) ?? 'none',
      String(high),
      String(high - start),
    ]);
    return {
      reason: 'ok',
      text:
        `${plan.dryRun ? 'Dry run: would replay' : 'Nothing to replay:'} ${formatCount(pending)} events into generation ${name} ` +
        `(group ${group}).\n${table([['partition', 'checkpoint', 'high', 'to replay'], ...rows])}`,
      json: {
        command: 'rebuild',
        mode: 'from-snapshot',
        dry_run: plan.dryRun,
        generation: name,
        events_to_replay: Number(pending),
        partitions: plans.map(({ field, start, high }) => ({
          partition: field,
          checkpoint: checkpoints.get(field) ?? null,
          high: String(high),
          to_replay: String(high - start),
        })),
      },
    };
  }

  const target = redisGenerationTarget({
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
    // The projector, when it runs beside a recovery, writes the same checkpoints.
    liveCheckpoints: () => readCheckpoints(redis, keys, generation, group),
  });
  try {
    const result = await runReplay({
      kafka,
      groupId: `${group}.recovery`,
      topics: topicSubset(topics, plan.topics),
      target,
      deadLetters,
      currency: config.CHECKOUT_CURRENCY,
      waves: waveLimits(config),
      partitions: plans,
      log: context.log(),
      signal: context.io.signal,
      progress: context.progress(`recovery of generation ${name}`),
      fetchBytes: plan.fetchBytes,
      decide: async (positions) => ({
        stop: catchUpState(plans, positions).reachedStart,
        phase: 'catching up',
      }),
    });
    const now = await activeGeneration(redis, { layout: keys });
    const { summary } = result;
    return {
      reason: 'ok',
      text: [
        `Generation ${name} caught up from its checkpoints: ${formatCount(summary.events)} events replayed in ` +
          `${formatDuration(summary.active_ms)} (${formatCount(summary.events_per_second)} events/s), ` +
          `${formatCount(summary.outcomes.dead_lettered)} dead-lettered.`,
        ...(now === generation
          ? []
          : [`  Note: readers were switched to generation ${generationName(now)} meanwhile.`]),
      ].join('\n'),
      json: {
        command: 'rebuild',
        mode: 'from-snapshot',
        dry_run: false,
        generation: name,
        active_generation_now: generationName(now),
        events: summary.events,
        events_per_second: summary.events_per_second,
        active_ms: summary.active_ms,
        duration_ms: Math.round(result.durationMs),
        outcomes: summary.outcomes,
        reasons: summary.reasons,
        dead_letters_published: deadLetters.published(),
        dead_letters_already_published: deadLetters.alreadyPublished(),
        partitions: partitionRows(plans, result.positions),
      },
    };
  } finally {
    await deadLetters.disconnect();
  }
}
