import { causeChain, EngineError, type SnapshotChangelog } from '@checkout/engine';
import type { Kafka, Producer } from 'kafkajs';
import { markerMessage, snapshotMessage } from './changelog-records.ts';
import { readLastMarkers } from './changelog-reader.ts';
import { ensureChangelogTopic } from './changelog-topic.ts';
import { bySize } from './dead-letter-producer.ts';
import { KAFKA_CLIENT_RETRY } from './kafka-config.ts';
import { sourceUnavailable } from './kafka-errors.ts';
import { silentKafkaLog, type KafkaLog } from './kafka-log.ts';

export interface KafkaSnapshotChangelogOptions {
  kafka: Kafka;
  topic: string;
  /** An event topic: the changelog must have as many partitions. */
  partitionsOf: string;
  /**
   * Prefix of the transactional ids, one per partition number (`<prefix>.<N>`): the consumer
   * group's name and the topic, so two deployments never fence each other.
   */
  transactionalIdPrefix: string;
  /** Most bytes of snapshots in one produce request. @default 786432 */
  maxRequestBytes?: number;
  log?: KafkaLog;
}

export interface KafkaSnapshotChangelog extends SnapshotChangelog {
  disconnect(): Promise<void>;
}

/**
 * The engine's SnapshotChangelog on Kafka transactions, one transactional id per partition
 * number. Why transactions: compaction keeps the *last written* record per key, so a zombie
 * (a member that lost its partitions but still has a commit in flight) publishing late would
 * make an older snapshot win. A claim initialises the partition's transactional id, which
 * fences every earlier producer of it: their open transaction is aborted, their later ones
 * fail, and read-committed readers never see them. A transaction holds a batch's snapshots
 * and its marker last, so a marker is never visible without the snapshots it vouches for.
 */
export function createKafkaSnapshotChangelog(
  options: KafkaSnapshotChangelogOptions,
): KafkaSnapshotChangelog {
  const { kafka, topic } = options;
  const log = options.log ?? silentKafkaLog;
  const maxRequestBytes = options.maxRequestBytes ?? 786_432;
  const producers = new Map<number, Producer>();
  let topicReady: Promise<void> | null = null;

  function ensureTopic(): Promise<void> {
    topicReady ??= ensureChangelogTopic(kafka, topic, options.partitionsOf, log).catch(
      (error: unknown) => {
        topicReady = null;
        throw error;
      },
    );
    return topicReady;
  }

  async function claimOne(partition: number): Promise<void> {
    const previous = producers.get(partition);
    producers.delete(partition);
    await previous?.disconnect().catch(() => undefined);
    const producer = kafka.producer({
      transactionalId: `${options.transactionalIdPrefix}.${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { ...KAFKA_CLIENT_RETRY },
    });
    await producer.connect();
    // The first transaction initialises the producer id: that is the fence.
    const fence = await producer.transaction();
    await fence.abort();
    producers.set(partition, producer);
  }

  return {
    async claim(partitions) {
      try {
        await ensureTopic();
        await Promise.all(partitions.map(claimOne));
        return await readLastMarkers(kafka, {
          topic,
          partitions,
          groupPrefix: `${options.transactionalIdPrefix}.markers`,
        });
      } catch (error) {
        if (error instanceof EngineError) throw error;
        throw sourceUnavailable(`claiming changelog partitions ${partitions.join(', ')}`, error);
      }
    },
    async publish({ partition, snapshots, marker }) {
      const producer = producers.get(partition);
      if (producer === undefined) return { ok: false, reason: 'fenced' };
      const messages = [
        ...snapshots.map(({ sessionId, order }) => snapshotMessage(partition, sessionId, order)),
        markerMessage(partition, marker),
      ];
      let transaction: Awaited<ReturnType<Producer['transaction']>> | undefined;
      try {
        transaction = await producer.transaction();
        for (const run of bySize(messages, maxRequestBytes))
          await transaction.send({ topic, acks: -1, messages: run });
        await transaction.commit();
        return { ok: true };
      } catch (error) {
        if (isFenced(error)) {
          producers.delete(partition);
          await producer.disconnect().catch(() => undefined);
          log.warn({ topic, partition }, 'Changelog partition claimed by another member: fenced');
          return { ok: false, reason: 'fenced' };
        }
        await transaction?.abort().catch(() => undefined);
        throw sourceUnavailable(`publishing ${snapshots.length} snapshots to ${topic}`, error, {
          context: { topic, partition },
        });
      }
    },
    async release(partitions) {
      await Promise.all(
        partitions.map(async (partition) => {
          const producer = producers.get(partition);
          producers.delete(partition);
          await producer?.disconnect().catch(() => undefined);
        }),
      );
    },
    async disconnect() {
      const all = [...producers.values()];
      producers.clear();
      await Promise.all(all.map((producer) => producer.disconnect().catch(() => undefined)));
    },
  };
}

/** A newer producer of the same transactional id exists: nothing this one sends will count. */
function isFenced(error: unknown): boolean {
  return causeChain(error).some((cause) => {
    const type = (cause as { type?: unknown }).type;
    return type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED';
  });
}
