import type { DeadLetterEntry, DeadLetterSink } from '@checkout/engine';
import { createKafkaDeadLetterSink, type KafkaLog } from '@checkout/kafka';
import type { Kafka } from '../dlq/clients.ts';
import { MAX_REMEMBERED_ORIGINALS, originalCoordinates } from '../dlq/dead-letter-record.ts';
import { readDeadLetters } from '../dlq/read-dead-letters.ts';

/**
 * Where a replay's poison records go.
 *
 * A replay that writes the live projection (a blue/green rebuild, a recovery) publishes them to
 * the dead-letter topic like the projector: records past the live checkpoint at the switch are
 * judged by the rebuild alone, and a changed fold may reject what it used to accept. What the
 * topic already holds (the live projector published it; entries are identified by their
 * original topic/partition/offset) is not published again: a rebuild next to the live
 * projector doubled every dead letter before. Left possible: a record the live projector
 * dead-letters while the rebuild runs, before the switch, is published by both.
 * A replay that writes nothing live (`--dry-run`, `--verify`, `--session`) only counts them.
 */
export interface CountingDeadLetters extends DeadLetterSink {
  published(): number;
  /** Entries left out because the dead-letter topic already holds them. */
  alreadyPublished(): number;
}

export function countingDeadLetters(
  forward?: DeadLetterSink,
  /** Original coordinates (`originalCoordinates`) of the entries the topic holds. */
  inTopic: ReadonlySet<string> = new Set(),
): CountingDeadLetters {
  let count = 0;
  let skipped = 0;
  return {
    async publish(entries: readonly DeadLetterEntry[]) {
      const fresh = entries.filter((entry) => !inTopic.has(originalCoordinates(entry)));
      skipped += entries.length - fresh.length;
      if (forward !== undefined && fresh.length > 0) await forward.publish(fresh);
      count += fresh.length;
    },
    published: () => count,
    alreadyPublished: () => skipped,
  };
}

/**
 * The original coordinates of every entry the dead-letter topic holds now, up to
 * MAX_REMEMBERED_ORIGINALS: past it the rest are published again, and `onOverflow` says so.
 */
export async function deadLettersInTopic(
  kafka: Kafka,
  topic: string,
  onOverflow: (remembered: number) => void,
): Promise<Set<string>> {
  const coordinates = new Set<string>();
  let overflowed = false;
  await readDeadLetters(kafka, topic, (letter) => {
    if (letter.kind !== 'entry') return;
    if (coordinates.size < MAX_REMEMBERED_ORIGINALS)
      coordinates.add(originalCoordinates(letter.entry));
    else if (!overflowed) {
      overflowed = true;
      onOverflow(coordinates.size);
    }
  });
  return coordinates;
}

/**
 * The dead-letter sink of a replay that writes the live projection: the live topic, minus what
 * it holds already. `disconnect` closes its producer.
 */
export async function liveDeadLetters(
  kafka: Kafka,
  topic: string,
  log: KafkaLog,
): Promise<CountingDeadLetters & { disconnect(): Promise<void> }> {
  const sink = createKafkaDeadLetterSink({ kafka, topic, log });
  const inTopic = await deadLettersInTopic(kafka, topic, (remembered) =>
    log.warn(
      { remembered },
      'The dead-letter topic holds more entries than a rebuild remembers; the rest may be published again',
    ),
  );
  return Object.assign(countingDeadLetters(sink, inTopic), {
    disconnect: () => sink.disconnect().catch(() => undefined),
  });
}
