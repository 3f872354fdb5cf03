import { waveLimits } from '@checkout/config';
import { randomBytes } from 'node:crypto';
import {
  activeGeneration,
  dropGeneration,
  newGenerationId,
  readCheckpoints,
} from '@checkout/redis';
import type { CliContext, CommandOutcome } from '../cli-context.ts';
import { HEARTBEAT_INTERVAL_MS } from '../generations/generation-role.ts';
import { registerGeneration, updateGeneration } from '../generations/generation-registry.ts';
import { readTopicLayout } from '../kafka-admin.ts';
import { formatCount, formatDuration } from '../output/format.ts';
import type { RebuildPlan } from '../rebuild-plan.ts';
import { generationName } from '../redis-client.ts';
import { catchUpState } from '../replay/catch-up.ts';
import { countingDeadLetters } from '../replay/dead-letters.ts';
import { memoryTarget, redisGenerationTarget } from '../replay/replay-target.ts';
import { runReplay } from '../replay/run-replay.ts';
import { startPositions } from '../replay/start-positions.ts';
import { compareWithLive, type VerifyReport } from '../verify/compare-with-live.ts';
import { throttled, withAdvice } from './mode-support.ts';

/** How long to wait for the scratch to pass the live checkpoints before comparing anyway. */
const LIVE_CATCH_UP_GRACE_MS = 15_000;

/**
 * `--verify`: rebuilds the whole history from the log start into a scratch generation (Redis,
 * any size; or process memory with `--dry-run`, for data that fits), without publishing dead
 * letters, and compares every session with the active generation (compare-with-live.ts). The
 * replay keeps running during the comparison, so sessions the live projector is still writing
 * converge and are compared again. The scratch generation is dropped at the end, also on
 * failure. Exit code 3 when any session drifted.
 */
export async function verifyAgainstLive(
  context: CliContext,
  plan: Extract<RebuildPlan, { mode: 'verify' }>,
): Promise<CommandOutcome> {
  const config = context.config();
  const namespace = config.REDIS_NAMESPACE;
  const group = config.KAFKA_GROUP_ID;
  const redis = await context.redis();
  const keys = await context.keyLayout();
  const kafka = context.kafka();
  const topics = context.topics();

  const layout = await readTopicLayout(kafka, topics, {
    allowCompacted: context.config().KAFKA_ALLOW_COMPACTED_TOPICS,
  });
  const planned = startPositions(layout.watermarks, { kind: 'earliest' });
  if (!planned.ok) throw planned.error;
  const plans = planned.value;
  const live = await activeGeneration(redis, { layout: keys });
  const liveTarget = redisGenerationTarget({
    redis,
    layout: keys,
    generation: live,
    group,
    ttlSeconds: config.SNAPSHOT_TTL_SECONDS,
    maxCommitBytes: config.REDIS_MAX_COMMIT_BYTES,
  });

  const scratch = plan.inMemory ? null : await newGenerationId(redis, { layout: keys });
  if (scratch !== null) {
    await registerGeneration(redis, namespace, scratch, {
      purpose: 'verify',
      from: 'earliest',
      replaces: generationName(live),
    });
  }
  const target =
    scratch === null
      ? memoryTarget()
      : redisGenerationTarget({
          redis,
          layout: keys,
          generation: scratch,
          group,
          ttlSeconds: config.SNAPSHOT_TTL_SECONDS,
          maxCommitBytes: config.REDIS_MAX_COMMIT_BYTES,
        });
  let reachedAt: number | undefined;
  let report: VerifyReport | undefined;

  try {
    const result = await runReplay({
      kafka,
      groupId: `${group}.verify.${scratch ?? `memory-${randomBytes(4).toString('hex')}`}`,
      topics,
      target,
      deadLetters: countingDeadLetters(),
      currency: config.CHECKOUT_CURRENCY,
      waves: waveLimits(config),
      partitions: plans,
      log: context.log(),
      signal: context.io.signal,
      progress: context.progress(`verification (${target.label})`),
      fetchBytes: plan.fetchBytes,
      onTick: throttled(HEARTBEAT_INTERVAL_MS, async () => {
        if (scratch !== null) await updateGeneration(redis, namespace, scratch, {});
      }),
      async decide(positions) {
        if (!catchUpState(plans, positions).reachedStart)
          return { stop: false, phase: 'replaying' };
        reachedAt ??= Date.now();
        const ahead = catchUpState(
          plans,
          positions,
          await readCheckpoints(redis, keys, live, group),
        );
        if (!ahead.caughtUp && Date.now() - reachedAt < LIVE_CATCH_UP_GRACE_MS) {
          return { stop: false, phase: 'catching up with the live projector' };
        }
        report = await compareWithLive({
          live: liveTarget,
          rebuilt: target,
          ttlSeconds: config.SNAPSHOT_TTL_SECONDS,
        });
        return { stop: true, phase: 'compared' };
      },
    });
    if (report === undefined) throw new Error('bug: the replay stopped without comparing');
    return outcome(report, result, generationName(live), target.label);
  } catch (error) {
    throw withAdvice(error, `Generation ${generationName(live)} was not changed.`);
  } finally {
    if (scratch !== null)
      await dropGeneration(redis, scratch, { layout: keys }).catch(() => undefined);
  }
}

function outcome(
  report: VerifyReport,
  result: Awaited<ReturnType<typeof runReplay>>,
  live: string,
  scratch: string,
): CommandOutcome {
  const { summary } = result;
  const lines = [
    report.drift_count === 0
      ? `No drift: ${formatCount(report.compared)} sessions of generation ${live} equal their rebuild` +
        (report.unsettled_count === 0
          ? '.'
          : `; ${formatCount(report.unsettled_count)} more could not be compared (the live projector is behind or still writing them).`)
      : `Drift in ${formatCount(report.drift_count)} of ${formatCount(report.compared)} sessions of generation ${live} (${byReason(report)}):`,
    ...report.drift.map(
      (entry) =>
        `  ${entry.session_id}  ${entry.reason.replaceAll('_', ' ')}` +
        entry.differences
          .map(
            (d) =>
              `\n      ${d.path}: live ${JSON.stringify(d.live)} ≠ rebuilt ${JSON.stringify(d.rebuilt)}`,
          )
          .join(''),
    ),
    ...(report.drift.length < report.drift_count
      ? [`  … and ${report.drift_count - report.drift.length} more (see --json)`]
      : []),
    `  Rebuilt ${formatCount(summary.events)} events in ${formatDuration(summary.active_ms)} (${formatCount(summary.events_per_second)} events/s) into ${scratch}, dropped again.`,
    `  Not compared: ${formatCount(report.unsettled_count)} sessions still being written, ${formatCount(report.expired)} expired by TTL.`,
  ];
  return {
    reason: report.drift_count > 0 ? 'drift' : 'ok',
    text: lines.join('\n'),
    json: {
      command: 'rebuild',
      mode: 'verify',
      generation: live,
      scratch,
      events: summary.events,
      events_per_second: summary.events_per_second,
      active_ms: summary.active_ms,
      duration_ms: Math.round(result.durationMs),
      sessions_compared: report.compared,
      sessions_equal: report.equal,
      sessions_expired: report.expired,
      drift_count: report.drift_count,
      drift_by_reason: report.drift_by_reason,
      drift: report.drift,
      drift_truncated: report.drift.length < report.drift_count,
      unsettled_count: report.unsettled_count,
      unsettled: report.unsettled,
    },
  };
}

/** `2 differs, 1 history incomplete`. */
function byReason(report: VerifyReport): string {
  return Object.entries(report.drift_by_reason)
    .map(([reason, count]) => `${formatCount(count)} ${reason.replaceAll('_', ' ')}`)
    .join(', ');
}
