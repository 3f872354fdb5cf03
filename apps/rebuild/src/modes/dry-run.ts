import { waveLimits } from '@checkout/config';
import { randomBytes } from 'node:crypto';
import type { CliContext, CommandOutcome } from '../cli-context.ts';
import { readTopicLayout, topicSubset } from '../kafka-admin.ts';
import { formatCount, formatDuration } from '../output/format.ts';
import type { RebuildPlan } from '../rebuild-plan.ts';
import { catchUpState } from '../replay/catch-up.ts';
import { countingDeadLetters } from '../replay/dead-letters.ts';
import { memoryTarget, seedCheckpoints } from '../replay/replay-target.ts';
import { runReplay } from '../replay/run-replay.ts';
import { startPositions } from '../replay/start-positions.ts';
import { partitionRows } from './mode-support.ts';

/**
 * `--from-offset … --dry-run`: the same replay into process memory, up to the high watermarks
 * of the start, then a report (events, sessions, outcomes, dead-letter reasons, rate). Writes
 * nothing to Redis and publishes nothing; the throwaway consumer group is deleted. Holds every
 * session in memory: for checking a fold change on a topic subset or a bounded history.
 */
export async function dryRunReplay(
  context: CliContext,
  plan: Extract<RebuildPlan, { mode: 'from-offset' }>,
): Promise<CommandOutcome> {
  const config = context.config();
  const kafka = context.kafka();
  const topics = context.topics();
  const layout = await readTopicLayout(kafka, topics, {
    topics: plan.topics,
    allowCompacted: context.config().KAFKA_ALLOW_COMPACTED_TOPICS,
  });
  const planned = startPositions(layout.watermarks, plan.start);
  if (!planned.ok) throw planned.error;
  const plans = planned.value;
  const target = memoryTarget();
  if (plan.start.kind === 'offset')
    await seedCheckpoints(
      target,
      plans.map(({ field, start }) => ({ field, offset: start })),
    );
  const deadLetters = countingDeadLetters();
  const from = plan.start.kind === 'earliest' ? 'earliest' : `offset ${plan.start.offset}`;

  const result = await runReplay({
    kafka,
    groupId: `${config.KAFKA_GROUP_ID}.dry-run.${randomBytes(4).toString('hex')}`,
    topics: topicSubset(topics, plan.topics),
    target,
    deadLetters,
    currency: config.CHECKOUT_CURRENCY,
    waves: waveLimits(config),
    partitions: plans,
    log: context.log(),
    signal: context.io.signal,
    progress: context.progress('dry run'),
    fetchBytes: plan.fetchBytes,
    decide: async (positions) => ({
      stop: catchUpState(plans, positions).reachedStart,
      phase: 'replaying (in memory)',
    }),
  });
  let sessions = 0;
  for await (const page of target.sessionPages()) sessions += page.length;
  const { summary } = result;
  const reasons = Object.entries(summary.reasons).map(
    ([reason, count]) => `${reason} ${formatCount(count)}`,
  );
  return {
    reason: 'ok',
    text: [
      `Dry run from ${from} over ${plan.topics.join(', ')}: nothing was written.`,
      `  ${formatCount(summary.events)} events → ${formatCount(sessions)} sessions in ${formatDuration(summary.active_ms)} ` +
        `(${formatCount(summary.events_per_second)} events/s).`,
      `  applied ${formatCount(summary.outcomes.applied)}, skipped ${formatCount(summary.outcomes.skipped)}, ` +
        `ignored ${formatCount(summary.outcomes.ignored)}, would dead-letter ${formatCount(summary.outcomes.dead_lettered)}` +
        (reasons.length > 0 ? ` (${reasons.join(', ')})` : ''),
    ].join('\n'),
    json: {
      command: 'rebuild',
      mode: 'from-offset',
      dry_run: true,
      from,
      topics: plan.topics,
      sessions,
      events: summary.events,
      events_per_second: summary.events_per_second,
      active_ms: summary.active_ms,
      duration_ms: Math.round(result.durationMs),
      outcomes: summary.outcomes,
      reasons: summary.reasons,
      partitions: partitionRows(plans, result.positions),
    },
  };
}
