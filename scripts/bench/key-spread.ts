import { clusterLayout } from '@checkout/redis';
import { deleteNamespace, type BenchStore } from './bench-store.ts';

/** Keys and used_memory of each server of the store at one moment. */
export type ServerUsage = Array<{ name: string; keys: number; usedMemory: number }>;

/** How a namespace's data spread over the servers: what each one holds beyond a baseline. */
export interface KeySpread {
  partitions: number;
  perServer: Array<{ name: string; keys: number; usedMemoryBytes: number }>;
  /** Keys of the busiest server ÷ the mean: 1.00 is even. */
  busiestOverMean: number;
}

export async function serverUsage(store: BenchStore): Promise<ServerUsage> {
  const usage: ServerUsage = [];
  for (const { name, redis } of store.servers) {
    const memory = /^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1];
    usage.push({ name, keys: await redis.dbsize(), usedMemory: Number(memory ?? 0) });
  }
  return usage;
}

export function spreadSince(
  baseline: ServerUsage,
  now: ServerUsage,
  partitions: number,
): KeySpread {
  const perServer = now.map(({ name, keys, usedMemory }) => {
    const before = baseline.find((entry) => entry.name === name);
    return {
      name,
      keys: keys - (before?.keys ?? 0),
      usedMemoryBytes: usedMemory - (before?.usedMemory ?? 0),
    };
  });
  const counts = perServer.map(({ keys }) => keys);
  const mean = counts.reduce((sum, keys) => sum + keys, 0) / Math.max(1, counts.length);
  return { partitions, perServer, busiestOverMean: mean === 0 ? 0 : Math.max(...counts) / mean };
}

/** Every snapshot of a namespace's base generation: session id → the stored document. */
export async function readSnapshots(
  store: BenchStore,
  namespace: string,
): Promise<Map<string, string>> {
  const snapshots = store.layout(namespace).snapshotKeys(null);
  const documents = new Map<string, string>();
  for (const { redis } of store.servers) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', snapshots.pattern, 'COUNT', 1000);
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.get(key);
      const values = (await pipeline.exec()) ?? [];
      keys.forEach((key, index) => {
        const session = snapshots.sessionOf(key);
        const value = values[index]?.[1];
        if (session !== null && typeof value === 'string') documents.set(session, value);
      });
      cursor = next;
    } while (cursor !== '0');
  }
  return documents;
}

/**
 * The same sessions' snapshots laid out for each partition count in turn (each session under
 * its murmur2 tag, as the projector would write them), and how they spread over the masters.
 * Snapshots only: they are nearly all of the memory (a checkpoint hash per tag is a few bytes).
 * A tag's slot is CRC16 of `<ns>:p<N>`, so with few tags the spread depends on the namespace
 * too: `checkout` (the default, whose slots the README computes) unless told otherwise.
 */
export async function spreadByPartitionCount(
  store: BenchStore,
  documents: ReadonlyMap<string, string>,
  partitionCounts: readonly number[],
  namespace = 'checkout',
): Promise<KeySpread[]> {
  const spreads: KeySpread[] = [];
  for (const partitions of partitionCounts) {
    await deleteNamespace(store, namespace); // the bench's own cluster: nobody else's keys
    const layout = clusterLayout(namespace, partitions);
    const baseline = await serverUsage(store);
    // A cluster pipeline must stay on one node: one per tag, 500 commands at a time.
    const byShard = new Map<number, Array<[string, string]>>();
    for (const [session, document] of documents) {
      const shard = layout.shardOfSession(session);
      byShard.set(shard, [...(byShard.get(shard) ?? []), [session, document]]);
    }
    for (const [shard, entries] of byShard) {
      for (let start = 0; start < entries.length; start += 500) {
        const pipeline = store.client.pipeline();
        for (const [session, document] of entries.slice(start, start + 500)) {
          pipeline.set(layout.keys(shard, null).snapshot(session), document);
        }
        await pipeline.exec();
      }
    }
    spreads.push(spreadSince(baseline, await serverUsage(store), partitions));
    await deleteNamespace(store, namespace);
  }
  return spreads;
}

/**
 * (C)'s spread: the baseline before it starts; `measure`, once every record is stored, gives
 * what its namespace holds on each master and the same sessions laid out for `partitionCounts`.
 */
export async function measureSpread(store: BenchStore, partitionCounts: readonly number[]) {
  const baseline = await serverUsage(store);
  const partitions = store.layout('x').partitions ?? 1;
  return {
    async measure(namespace: string) {
      const spread = spreadSince(baseline, await serverUsage(store), partitions);
      const documents = await readSnapshots(store, namespace);
      await deleteNamespace(store, namespace);
      const spreadByPartitions = await spreadByPartitionCount(store, documents, partitionCounts);
      return { spread, spreadByPartitions };
    },
  };
}
