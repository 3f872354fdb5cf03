import { randomBytes } from 'node:crypto';
import {
  comparableView,
  compareOffsets,
  decodeSnapshot,
  toSnapshot,
  type CheckoutOrder,
} from '@checkout/domain';
import {
  EngineError,
  foldBatch,
  parseBatch,
  topicPartitionKey,
  type SourceRecord,
} from '@checkout/engine';
import {
  activeGeneration,
  partitionForKey,
  readSnapshotTexts,
  replaceSnapshot,
} from '@checkout/redis';
import type { CliContext, CommandOutcome } from '../cli-context.ts';
import { CliError, usageError } from '../cli-error.ts';
import { diffValues, type FieldDifference } from '../drift.ts';
import {
  deleteConsumerGroup,
  readTopicLayout,
  topicSubset,
  type TopicLayout,
} from '../kafka-admin.ts';
import { formatCount } from '../output/format.ts';
import type { RebuildPlan } from '../rebuild-plan.ts';
import { generationName } from '../redis-client.ts';
import { readPartition } from '../session/read-partition.ts';

/** Re-reads (the session kept moving, or the guard refused) before giving up. */
const MAX_ATTEMPTS = 5;

/**
 * `--session <id>`: rebuilds one session's snapshot from its history.
 *
 * Its partition is the producer's (murmur2 of the id, or `--partition`); partition p of each
 * topic is read from offset 0 (which the log must still hold) to its high watermark, keeping
 * records keyed by the id, and folded with the engine's own parse and fold. The result replaces
 * the key in the active generation only if the stored document is still the one compared (and
 * that generation still active). A stored snapshot that already applied an offset at or past
 * the high watermark read means the live projector moved on: the read is extended and the fold
 * redone, so the write never takes events away. Records whose key is not the session id (a
 * producer breaking the key contract) are not found here; a full rebuild finds them.
 */
export async function rebuildSession(
  context: CliContext,
  plan: Extract<RebuildPlan, { mode: 'session' }>,
): Promise<CommandOutcome> {
  const config = context.config();
  const redis = await context.redis();
  const keys = await context.keyLayout();
  const kafka = context.kafka();
  const topics = topicSubset(context.topics(), plan.topics);
  const groupId = `${config.KAFKA_GROUP_ID}.session.${randomBytes(4).toString('hex')}`;
  const key = Buffer.from(plan.sessionId, 'utf8');
  const domain = { currency: config.CHECKOUT_CURRENCY };

  let layout = await readTopicLayout(kafka, context.topics(), {
    topics: plan.topics,
    allowCompacted: context.config().KAFKA_ALLOW_COMPACTED_TOPICS,
  });
  const partition = plan.partition ?? partitionForKey(plan.sessionId, layout.partitions);
  if (partition >= layout.partitions) {
    throw usageError(
      `--partition ${partition} does not exist: the topics have ${layout.partitions} partitions.`,
    );
  }
  const records: SourceRecord[] = [];
  const readUpTo = new Map<string, string>(plan.topics.map((topic) => [topic, '0']));
  let confirmed = false;

  try {
    for (let attempt = 1; ; attempt += 1) {
      records.push(...(await readMore(layout)));
      const folded = foldBatch(parseBatch(records, topics, domain), new Map(), topics, domain);
      const rebuilt =
        folded.snapshots.find(({ sessionId }) => sessionId === plan.sessionId)?.order ?? null;
      const generation = await activeGeneration(redis, { layout: keys });
      const [storedText = null] = await readSnapshotTexts(redis, keys, generation, [
        plan.sessionId,
      ]);
      const stored = storedText === null ? null : decodeSnapshot(storedText);
      const storedOrder = stored?.ok ? stored.value : null;

      if (rebuilt === null) {
        throw new CliError(
          'failure',
          `No events keyed ${JSON.stringify(plan.sessionId)} in partition ${partition} of ${plan.topics.join(', ')}` +
            (storedText === null
              ? '; the session is unknown.'
              : ', yet a snapshot is stored: if its producers use another partitioner, pass --partition.'),
        );
      }
      if (storedOrder !== null && movedOn(storedOrder, readUpTo, partition)) {
        if (attempt >= MAX_ATTEMPTS)
          throw new CliError(
            'failure',
            'The session keeps changing faster than it can be re-read; try again.',
          );
        layout = await readTopicLayout(kafka, context.topics(), {
          topics: plan.topics,
          allowCompacted: context.config().KAFKA_ALLOW_COMPACTED_TOPICS,
        });
        continue;
      }
      const differences: FieldDifference[] | 'unreadable' | null =
        stored === null
          ? null
          : stored.ok
            ? diffValues(comparableView(stored.value), comparableView(rebuilt))
            : 'unreadable';
      const summary = {
        generation,
        partition,
        rebuilt,
        storedText,
        differences,
        records: records.length,
        deadLetters: folded.deadLetters.length,
      };
      if (plan.dryRun || (Array.isArray(differences) && differences.length === 0))
        return report(plan, summary, false);

      if (!confirmed) {
        await context.confirm(
          `Replace the snapshot of session ${plan.sessionId} in generation ${generationName(generation)} ` +
            `(${describe(differences)}) with the one rebuilt from ${formatCount(records.length)} events.`,
        );
        confirmed = true;
      }
      const written = await replaceSnapshot(redis, {
        layout: keys,
        generation,
        sessionId: plan.sessionId,
        expected: storedText,
        order: rebuilt,
        ttlSeconds: config.SNAPSHOT_TTL_SECONDS,
      });
      if (written.ok) return report(plan, summary, true);
      if (attempt >= MAX_ATTEMPTS)
        throw new CliError(
          'failure',
          'The stored snapshot kept changing under the write; try again.',
        );
      layout = await readTopicLayout(kafka, context.topics(), {
        topics: plan.topics,
        allowCompacted: context.config().KAFKA_ALLOW_COMPACTED_TOPICS,
      });
    }
  } finally {
    await deleteConsumerGroup(kafka, groupId);
  }

  /** Reads partition p of each topic from where the last read ended to the current high watermark. */
  async function readMore(current: TopicLayout): Promise<SourceRecord[]> {
    const ranges = new Map<string, { from: string; until: string }>();
    for (const topic of plan.topics) {
      const marks = current.watermarks.get(topicPartitionKey(topic, partition));
      if (marks === undefined) continue;
      if (compareOffsets(marks.low, '0') > 0) {
        throw new EngineError(
          'HISTORY_TRUNCATED',
          `Partition ${topic}:${partition} now starts at offset ${marks.low}: retention deleted part of the session's history. ` +
            'Rebuild it from EventStoreDB (--source eventstore).',
          { canRetry: false, context: { partition: `${topic}:${partition}`, logStart: marks.low } },
        );
      }
      const from = readUpTo.get(topic) ?? '0';
      ranges.set(topics.toPhysical(topic), { from, until: marks.high });
      readUpTo.set(topic, compareOffsets(marks.high, from) > 0 ? marks.high : from);
    }
    return readPartition(
      kafka,
      groupId,
      {
        ranges,
        partition,
        partitions: current.partitions,
        keep: (r) => r.key?.equals(key) === true,
      },
      context.io.signal,
    );
  }
}

/** The stored snapshot holds an event at or past what was read: the fold would take it away. */
function movedOn(
  stored: CheckoutOrder,
  readUpTo: ReadonlyMap<string, string>,
  partition: number,
): boolean {
  for (const [topic, until] of readUpTo) {
    const applied = stored.meta.offsets[topicPartitionKey(topic, partition)];
    if (applied !== undefined && compareOffsets(applied, until) >= 0) return true;
  }
  return false;
}

function describe(differences: FieldDifference[] | 'unreadable' | null): string {
  if (differences === null) return 'none is stored';
  if (differences === 'unreadable') return 'the stored one does not decode';
  if (differences.length === 0) return 'identical';
  return `${differences.length}${differences.length >= 20 ? '+' : ''} fields differ: ${differences
    .map((d) => d.path)
    .slice(0, 5)
    .join(', ')}`;
}

function report(
  plan: Extract<RebuildPlan, { mode: 'session' }>,
  run: {
    generation: string | null;
    partition: number;
    rebuilt: CheckoutOrder;
    storedText: string | null;
    differences: FieldDifference[] | 'unreadable' | null;
    records: number;
    deadLetters: number;
  },
  written: boolean,
): CommandOutcome {
  const same = Array.isArray(run.differences) && run.differences.length === 0;
  const name = generationName(run.generation);
  const lines = [
    written
      ? `Session ${plan.sessionId}: snapshot replaced in generation ${name}.`
      : same
        ? `Session ${plan.sessionId}: the stored snapshot already equals its fold; nothing written.`
        : `Session ${plan.sessionId}: dry run, nothing written.`,
    `  ${formatCount(run.records)} events in partition ${run.partition}; ${run.deadLetters} would be dead-lettered; stored: ${describe(run.differences)}.`,
    ...(Array.isArray(run.differences)
      ? run.differences.map(
          (d) =>
            `    ${d.path}: stored ${JSON.stringify(d.live)} → rebuilt ${JSON.stringify(d.rebuilt)}`,
        )
      : []),
  ];
  return {
    reason: 'ok',
    text: lines.join('\n'),
    json: {
      command: 'rebuild',
      mode: 'session',
      dry_run: plan.dryRun,
      session_id: plan.sessionId,
      partition: run.partition,
      generation: name,
      events: run.records,
      dead_letters: run.deadLetters,
      stored:
        run.storedText === null
          ? 'absent'
          : run.differences === 'unreadable'
            ? 'unreadable'
            : 'present',
      differences: Array.isArray(run.differences) ? run.differences : [],
      written,
      snapshot: toSnapshot(run.rebuilt),
    },
  };
}
