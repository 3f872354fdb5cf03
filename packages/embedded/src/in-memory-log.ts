import type { SourceRecord } from '@checkout/engine';

/**
 * An in-process stand-in for the Kafka topics: partitioned, append-only, offsets from 0.
 * Messages are partitioned by key with the same hash for every topic, so the five topics
 * are co-partitioned exactly as the production topics must be.
 */
export interface InMemoryLog {
  readonly partitions: number;
  append(
    topic: string,
    key: string,
    value: string | Buffer,
    headers?: Record<string, string>,
  ): SourceRecord;
  read(topic: string, partition: number, fromOffset: number, limit: number): SourceRecord[];
  /** Offset the next appended record will get. */
  endOffset(topic: string, partition: number): number;
}

export function createInMemoryLog(
  options: { partitions?: number; now?: () => number } = {},
): InMemoryLog {
  const partitions = options.partitions ?? 3;
  const now = options.now ?? Date.now;
  const topics = new Map<string, SourceRecord[][]>();

  const partitionsOf = (topic: string) => {
    let log = topics.get(topic);
    if (log === undefined) {
      log = Array.from({ length: partitions }, () => []);
      topics.set(topic, log);
    }
    return log;
  };

  return {
    partitions,
    append(topic, key, value, headers = {}) {
      const partition = partitionFor(key, partitions);
      const log = partitionsOf(topic)[partition];
      if (log === undefined) throw new Error(`bug: partition ${partition} of ${partitions}`);
      const record: SourceRecord = {
        topic,
        partition,
        offset: String(log.length),
        key: Buffer.from(key, 'utf8'),
        value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
        headers,
        timestamp: String(now()),
      };
      log.push(record);
      return record;
    },
    read(topic, partition, fromOffset, limit) {
      return partitionsOf(topic)[partition]?.slice(fromOffset, fromOffset + limit) ?? [];
    },
    endOffset(topic, partition) {
      return partitionsOf(topic)[partition]?.length ?? 0;
    },
  };
}

/** FNV-1a over the UTF-8 key; stable across runs and processes. */
export function partitionFor(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
