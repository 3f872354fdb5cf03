import { topicPartitionKey, type TopicPartition } from '@checkout/engine';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Records not yet projected: high watermark − next offset to process, never negative. */
  lag: number;
  /**
   * Seconds the newest stored record is behind the newest record fetched from the log, by
   * their Kafka timestamps (never the wall clock); 0 without lag, null until a batch was
   * fetched. See {@link ConsumerLag} for how far it can see.
   */
  lagSeconds: number | null;
  highWatermark: string;
  nextOffset: string;
}

/** A record's place and its Kafka timestamp (milliseconds, a decimal string as kafkajs has it). */
export interface RecordTime {
  offset: string;
  timestamp: string;
}

export interface LagUpdate {
  highWatermark?: string;
  nextOffset?: string;
  /** The first and last records of a fetched batch. */
  fetched?: { first: RecordTime; last: RecordTime };
  /** The last record stored (its effect is in the store, and the checkpoint past it). */
  stored?: RecordTime;
}

/**
 * Consumer lag per owned partition, for `/metrics`, `/status` and `checkout-rebuild status`.
 * Fed from what the consumer sees anyway (each batch's high watermark and its records' times,
 * each stored position, the watermarks read at assignment), so reading it costs no broker
 * round trip.
 *
 * Lag in event time: the timestamp of the newest record fetched minus that of the newest
 * record stored (before this process stored any, the first record waiting at the checkpoint:
 * short by at most the gap to the one before it). While the backlog fits in one fetch
 * (KAFKA_FETCH_PARTITION_MAX_BYTES) the newest fetched is the log's newest; a deeper backlog
 * makes the figure a lower bound, growing as the consumer reads on, and the lag in records is
 * the alarm there.
 */
export interface ConsumerLag {
  observe(topic: string, partition: number, update: LagUpdate): void;
  forget(partitions: readonly TopicPartition[]): void;
  clear(): void;
  snapshot(): PartitionLag[];
}

interface Entry {
  topic: string;
  partition: number;
  high: bigint;
  next: bigint;
  newest?: { offset: bigint; time: number };
  waiting?: { offset: bigint; time: number };
  stored?: { offset: bigint; time: number };
}

export function createConsumerLag(): ConsumerLag {
  const entries = new Map<string, Entry>();
  return {
    observe(topic, partition, update) {
      const key = topicPartitionKey(topic, partition);
      const entry = entries.get(key) ?? { topic, partition, high: 0n, next: 0n };
      // The high watermark only grows; the next offset follows the position, back too (a replay is lag).
      if (update.highWatermark !== undefined)
        entry.high = max(entry.high, BigInt(update.highWatermark));
      if (update.nextOffset !== undefined) moveNext(entry, BigInt(update.nextOffset));
      if (update.fetched !== undefined) noteFetched(entry, update.fetched);
      if (update.stored !== undefined) entry.stored = timed(update.stored);
      entries.set(key, entry);
    },
    forget(partitions) {
      for (const { topic, partition } of partitions)
        entries.delete(topicPartitionKey(topic, partition));
    },
    clear() {
      entries.clear();
    },
    snapshot() {
      return [...entries.values()]
        .map((entry) => {
          const lag = Number(max(entry.high - entry.next, 0n));
          return {
            topic: entry.topic,
            partition: entry.partition,
            lag,
            lagSeconds: lag === 0 ? 0 : secondsBehind(entry),
            highWatermark: entry.high.toString(),
            nextOffset: entry.next.toString(),
          };
        })
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    },
  };
}

function moveNext(entry: Entry, next: bigint): void {
  entry.next = next;
  // A seek back (a replay) makes the stored time refer to records to be stored again.
  if (entry.stored !== undefined && entry.stored.offset >= next) delete entry.stored;
  if (entry.waiting !== undefined && entry.waiting.offset < next) delete entry.waiting;
}

function noteFetched(entry: Entry, fetched: { first: RecordTime; last: RecordTime }): void {
  const last = timed(fetched.last);
  if (entry.newest === undefined || last.offset >= entry.newest.offset) entry.newest = last;
  const first = timed(fetched.first);
  if (
    first.offset >= entry.next &&
    (entry.waiting === undefined || first.offset < entry.waiting.offset)
  )
    entry.waiting = first;
}

function secondsBehind(entry: Entry): number | null {
  const applied = entry.stored ?? entry.waiting;
  if (entry.newest === undefined || applied === undefined) return null;
  return Math.max(0, entry.newest.time - applied.time) / 1000;
}

function timed(record: RecordTime): { offset: bigint; time: number } {
  return { offset: BigInt(record.offset), time: Number(record.timestamp) };
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
