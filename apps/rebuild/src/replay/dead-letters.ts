import { compareOffsets, positionKey } from '@checkout/domain';
import type { DeadLetterEntry, DeadLetterSink, TopicNames } from '@checkout/engine';
import { createKafkaDeadLetterSink, type KafkaLog } from '@checkout/kafka';
import type { Kafka } from '../dlq/clients.ts';
import { originalCoordinates } from '../dlq/dead-letter-record.ts';
import { followDeadLetters, type DeadLetterTail } from '../dlq/dead-letter-tail.ts';

/**
 * Where a replay's poison records go.
 *
 * A replay that writes the live projection (a blue/green rebuild, a recovery) publishes them to
 * the dead-letter topic like the projector: records past the live checkpoint at the switch are
 * judged by the rebuild alone, and a changed fold may reject what it used to accept. What the
 * live projector already published is not published again (entries are identified by their
 * original topic/partition/offset): the topic is read at the start and followed, and a record
 * the live projector's checkpoint has passed, since the projector publishes before it commits,
 * is looked up in the topic as it is now. A rebuild next to the live projector doubled every
 * dead letter before. Left possible: a record the rebuild reaches first, while the live
 * projector is behind it, is published by both (the projector cannot know). `dlq list` counts
 * and `dlq replay` replays distinct originals.
 * A replay that writes nothing live (`--dry-run`, `--verify`, `--session`) only counts them.
 */
export interface CountingDeadLetters extends DeadLetterSink {
  published(): number;
  /** Entries left out because the dead-letter topic already holds them. */
  alreadyPublished(): number;
}

/** What a live replay needs to tell entries the live projector has published already. */
export interface LiveDeadLetters {
  tail: DeadLetterTail;
  topics: TopicNames;
  /** The live generation's checkpoints now: logical `"<topic>:<partition>"` → next offset. */
  liveCheckpoints(): Promise<ReadonlyMap<string, string>>;
}

export function countingDeadLetters(
  forward?: DeadLetterSink,
  live?: LiveDeadLetters,
): CountingDeadLetters {
  let count = 0;
  let skipped = 0;
  return {
    async publish(entries: readonly DeadLetterEntry[]) {
      const fresh = live === undefined ? [...entries] : await notPublishedByLive(entries, live);
      skipped += entries.length - fresh.length;
      if (forward !== undefined && fresh.length > 0) await forward.publish(fresh);
      count += fresh.length;
    },
    published: () => count,
    alreadyPublished: () => skipped,
  };
}

async function notPublishedByLive(
  entries: readonly DeadLetterEntry[],
  live: LiveDeadLetters,
): Promise<DeadLetterEntry[]> {
  const unknown = (entry: DeadLetterEntry) => !live.tail.has(originalCoordinates(entry));
  const fresh = entries.filter(unknown);
  if (fresh.length === 0) return fresh;
  // Checkpoints first, then the topic's end: what the projector committed past, it published.
  const checkpoints = await live.liveCheckpoints();
  if (!fresh.some((entry) => livePassed(entry, checkpoints, live.topics))) return fresh;
  await live.tail.readUpToNow();
  return fresh.filter(unknown);
}

function livePassed(
  entry: DeadLetterEntry,
  checkpoints: ReadonlyMap<string, string>,
  topics: TopicNames,
): boolean {
  const topic = topics.toLogical(entry.original.topic);
  if (topic === undefined) return false;
  const checkpoint = checkpoints.get(positionKey({ topic, partition: entry.original.partition }));
  return checkpoint !== undefined && compareOffsets(entry.original.offset, checkpoint) < 0;
}

/**
 * The dead-letter sink of a replay that writes the live projection: the live topic, minus what
 * the live projector published. `disconnect` closes its producer and its reader of the topic.
 */
export async function liveDeadLetters(
  kafka: Kafka,
  options: {
    topic: string;
    topics: TopicNames;
    log: KafkaLog;
    liveCheckpoints(): Promise<ReadonlyMap<string, string>>;
  },
): Promise<CountingDeadLetters & { disconnect(): Promise<void> }> {
  const tail = await followDeadLetters(kafka, options.topic, options.log);
  const sink = createKafkaDeadLetterSink({ kafka, topic: options.topic, log: options.log });
  const counting = countingDeadLetters(sink, {
    tail,
    topics: options.topics,
    liveCheckpoints: options.liveCheckpoints,
  });
  return Object.assign(counting, {
    disconnect: async () => {
      await sink.disconnect().catch(() => undefined);
      await tail.stop();
    },
  });
}
