import { compareOffsets, FOLD_VERSION, recordsBetween } from '@checkout/domain';
import { activeGeneration, idleSeconds as idleTime, readCheckpoints } from '@checkout/redis';
import type { CliContext, CommandOutcome } from '../cli-context.ts';
import { listGenerations } from '../generations/generation-registry.ts';
import type { GenerationInfo } from '../generations/generation-role.ts';
import { readTopicLayout, topicRecordCount } from '../kafka-admin.ts';
import { formatCount, formatDuration, table } from '../output/format.ts';
import { generationName } from '../redis-client.ts';

/**
 * `status`: what an operator checks first. Active generation; per partition the live
 * checkpoint, the log's watermarks and the lag; when the live checkpoints were last written;
 * the dead-letter count; every generation with its role (orphans to clean up).
 *
 * The last write is Redis' `OBJECT IDLETIME` of the checkpoint hash: the projector writes it on
 * every batch and reads it only when it (re)joins, so its idle time is the time since the last
 * batch stored, at no cost on the write path. This CLI reads it with `CLIENT NO-TOUCH` (Redis
 * ≥ 7.2); on older servers a rebuild or verification polling it also counts as an access.
 * Unknown under an LFU `maxmemory-policy`. Precision: seconds. In a cluster each partition
 * number has its checkpoint hash; the most recently written one counts.
 */
export async function showStatus(context: CliContext): Promise<CommandOutcome> {
  const config = context.config();
  const namespace = config.REDIS_NAMESPACE;
  const group = config.KAFKA_GROUP_ID;
  const redis = await context.redis();
  const kafka = context.kafka();

  const keys = await context.keyLayout();
  const active = await activeGeneration(redis, { layout: keys });
  // Before reading them: a read resets the idle time.
  const idle = await Promise.all(
    keys.shards.map((shard) => idleTime(redis, keys.keys(shard, active).checkpoints(group))),
  );
  const known = idle.filter((seconds): seconds is number => seconds !== null);
  const idleSeconds = known.length === 0 ? null : Math.min(...known);
  const checkpoints = await readCheckpoints(redis, keys, active, group);
  const layout = await readTopicLayout(kafka, context.topics(), {
    allowCompacted: context.config().KAFKA_ALLOW_COMPACTED_TOPICS,
  });
  const dlq = await topicRecordCount(kafka, config.DLQ_TOPIC);
  const generations = await listGenerations(redis, keys, group);

  const partitions = [...layout.watermarks].map(([field, { low, high }]) => {
    const checkpoint = checkpoints.get(field) ?? null;
    const position = checkpoint ?? '0';
    const truncated = compareOffsets(position, low) < 0;
    return {
      partition: field,
      checkpoint,
      low,
      high,
      lag: recordsBetween(position, high),
      history_truncated: truncated,
    };
  });
  const totalLag = partitions.reduce((sum, { lag }) => sum + lag, 0);
  const lastWrite =
    idleSeconds === null ? null : new Date(Date.now() - idleSeconds * 1000).toISOString();
  const orphans = generations.filter(({ role }) => role === 'orphan').map(({ id }) => id);

  const text = [
    `Namespace ${namespace}, live group ${group}: readers read generation ${generationName(active)}.`,
    `Last checkpoint write: ${lastWrite === null || idleSeconds === null ? 'unknown (no checkpoints, or an LFU maxmemory-policy)' : `${lastWrite} (${formatDuration(idleSeconds * 1000)} ago)`}`,
    table([
      ['partition', 'checkpoint', 'low', 'high', 'lag'],
      ...partitions.map((p) => [
        p.partition,
        p.checkpoint ?? 'none',
        p.low,
        p.high,
        `${formatCount(p.lag)}${p.history_truncated ? ' TRUNCATED' : ''}`,
      ]),
    ]),
    `Total lag: ${formatCount(totalLag)} events.`,
    `Dead-letter topic ${config.DLQ_TOPIC}: ${dlq === null ? 'not created yet' : `${formatCount(dlq)} messages`}.`,
    `Generations: ${generations.map(({ id, role, info }) => `${id} (${role}, ${foldOf(info)})`).join(', ')}.`,
    `This checkout-rebuild folds with fold version ${FOLD_VERSION}; snapshots keep the oldest that touched them in meta.fold_version.`,
    ...(orphans.length > 0
      ? [
          `  Orphans can be dropped: checkout-rebuild generations drop <id> (${orphans.join(', ')}).`,
        ]
      : []),
  ].join('\n');
  return {
    reason: 'ok',
    text,
    json: {
      command: 'status',
      namespace,
      group,
      active_generation: generationName(active),
      last_checkpoint_write: lastWrite,
      partitions,
      total_lag: totalLag,
      dlq_topic: config.DLQ_TOPIC,
      dlq_messages: dlq,
      fold_version: FOLD_VERSION,
      generations: generations.map(({ id, role, info }) => ({ id, role, ...(info ?? {}) })),
    },
  };
}

function foldOf(info: GenerationInfo | null): string {
  return info?.fold_version === undefined
    ? 'fold version not recorded'
    : `fold ${info.fold_version}`;
}
