import type { TopicNames } from '@checkout/engine';
import { KAFKA_CLIENT_RETRY } from '@checkout/kafka';
import { markReplayed, replayedAmong, replayedMember, replayedSetKey } from '@checkout/redis';
import type { Kafka, Producer, Redis } from './clients.ts';
import type { DlqPosition } from './dead-letter-record.ts';
import { readOriginals, replayRefusal, type OriginalRecord } from './original-values.ts';
import { readDeadLetters, type ReadDeadLettersOptions } from './read-dead-letters.ts';
import { replayRecord, type ReplayRecord } from './replay-message.ts';
import {
  createTally,
  planReplay,
  type DlqItem,
  type ReplayPlan,
  type ReplaySkip,
} from './select-dead-letters.ts';

export interface ReplayDeadLettersOptions extends ReadDeadLettersOptions {
  kafka: Kafka;
  /** The dead-letter topic. */
  topic: string;
  /** Where replayed records may go: the checkout topics of this deployment. */
  topics: TopicNames;
  redis: Redis;
  /** Redis namespace and consumer group: the replayed set is `<ns>:dlq-replayed:{<group>}`. */
  namespace: string;
  group: string;
  /** Only entries with this reason. @default every reason */
  reason?: string | undefined;
  /** Plan and report; produce and remember nothing. */
  dryRun: boolean;
  /** Called with the plan before anything is written, when there is something to replay: throw to refuse. */
  confirm: (plan: ReplayPlan) => Promise<void>;
  /** Records per produce request; each chunk is remembered once acknowledged. @default 100 */
  chunkSize?: number;
  /** Aborts reading original records back (entries with a truncated value). */
  signal?: AbortSignal;
}

export type ReplayOutcome = 'replayed' | 'would_replay' | ReplaySkip;

/** `dlq replay` as data: what `--json` prints. */
export interface ReplayReport {
  topic: string;
  dry_run: boolean;
  reason: string | null;
  /** Messages in the dead-letter topic. */
  total: number;
  /** Readable entries matching the reason. */
  matched: number;
  replayed: number;
  would_replay: number;
  skipped: Record<ReplaySkip, number>;
  /** Messages that are not dead-letter entries, never replayed. */
  unreadable: number;
  entries: Array<{
    dlq: DlqPosition;
    reason: string;
    original: { topic: string; partition: number; offset: string };
    event_id: string | null;
    event_name: string | null;
    outcome: ReplayOutcome;
  }>;
}

/**
 * Re-produces dead-lettered records to their original topics after the cause was fixed.
 *
 * Idempotent across runs: each replayed entry's dead-letter position is added to a Redis set,
 * and entries found there are skipped. Order of effects per chunk: produce (acks from all
 * in-sync replicas) then remember. A crash in between replays that chunk again on the next
 * run, so replay is at-least-once; the engine skips an event whose `event_id` the session
 * applied recently, and the entries of one run can never be replayed twice by later runs.
 * Replayed records land after everything that followed them on their partition: the fold
 * applies them as the newest events of their section.
 */
export async function replayDeadLetters(options: ReplayDeadLettersOptions): Promise<ReplayReport> {
  const tally = createTally({ reason: options.reason });
  await readDeadLetters(options.kafka, options.topic, tally.add, options);
  const scanned = tally.result();
  const key = replayedSetKey(options.namespace, options.group);
  const member = (at: DlqPosition) => replayedMember(options.topic, at);
  const replayed = await replayedAmong(
    options.redis,
    key,
    scanned.matched.map(({ at }) => member(at)),
  );
  const plan = planReplay(scanned.matched, { replayed, member, topics: options.topics });
  // What is replayed is the original record, read back and checked against its entry.
  const originals = await readOriginals(
    options.kafka,
    plan.replay,
    options.signal ?? new AbortController().signal,
  );
  plan.replay = plan.replay.filter((item) => {
    const refusal = replayRefusal(item.entry, originals.get(item));
    if (refusal === undefined) return true;
    plan.skipped.push({ ...item, why: refusal });
    return false;
  });

  const outcomes = new Map<DlqItem, ReplayOutcome>();
  for (const item of plan.skipped) outcomes.set(item, item.why);
  if (options.dryRun) {
    for (const item of plan.replay) outcomes.set(item, 'would_replay');
  } else {
    if (plan.replay.length > 0) {
      await options.confirm(plan);
      await produceAndRemember(options, plan.replay, originals, key, member, (item) =>
        outcomes.set(item, 'replayed'),
      );
    }
    // Copies of a replayed record: remember them too, so no later run replays them.
    const duplicates = plan.skipped
      .filter(({ why }) => why === 'duplicate')
      .map(({ at }) => member(at));
    await markReplayed(options.redis, key, duplicates);
  }

  const count = (outcome: ReplayOutcome) =>
    [...outcomes.values()].filter((value) => value === outcome).length;
  return {
    topic: options.topic,
    dry_run: options.dryRun,
    reason: options.reason ?? null,
    total: scanned.total,
    matched: scanned.matchedCount,
    replayed: count('replayed'),
    would_replay: count('would_replay'),
    skipped: {
      already_replayed: count('already_replayed'),
      duplicate: count('duplicate'),
      not_checkout_topic: count('not_checkout_topic'),
      original_gone: count('original_gone'),
      original_mismatch: count('original_mismatch'),
      not_its_partition: count('not_its_partition'),
    },
    unreadable: scanned.unreadable.length,
    entries: [...plan.replay, ...plan.skipped].map((item) => ({
      dlq: item.at,
      reason: item.entry.reason,
      original: {
        topic: item.entry.original.topic,
        partition: item.entry.original.partition,
        offset: item.entry.original.offset,
      },
      event_id: item.entry.event_id,
      event_name: item.entry.event_name,
      outcome: outcomes.get(item) ?? 'would_replay',
    })),
  };
}

async function produceAndRemember(
  options: ReplayDeadLettersOptions,
  items: readonly DlqItem[],
  originals: ReadonlyMap<DlqItem, OriginalRecord>,
  key: string,
  member: (at: DlqPosition) => string,
  onReplayed: (item: DlqItem) => void,
): Promise<void> {
  const chunkSize = options.chunkSize ?? 100;
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Every record names its partition; this only silences kafkajs' default-partitioner notice.
    createPartitioner:
      () =>
      ({ message }) =>
        message.partition ?? 0,
    retry: { ...KAFKA_CLIENT_RETRY },
  });
  await producer.connect();
  try {
    for (let start = 0; start < items.length; start += chunkSize) {
      const chunk = items.slice(start, start + chunkSize);
      const byTopic = new Map<string, Array<ReplayRecord['message']>>();
      for (const item of chunk) {
        const { at, entry } = item;
        const { topic, message } = replayRecord(at, entry, originals.get(item)?.value ?? undefined);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await markReplayed(
        options.redis,
        key,
        chunk.map(({ at }) => member(at)),
      );
      chunk.forEach(onReplayed);
    }
  } finally {
    await producer.disconnect();
  }
}
