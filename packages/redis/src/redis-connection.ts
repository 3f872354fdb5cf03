import { Cluster, type Redis } from 'ioredis';
import { toStoreError } from './redis-errors.ts';

/**
 * A client of either layout: one Redis (`createRedisClient`) or a Redis Cluster
 * (`createRedisClusterClient`). Key commands route the same way on both; what differs is a
 * command that reads the whole keyspace (SCAN, INFO), which a cluster needs on every master.
 */
export type RedisConnection = Redis | Cluster;

export function isCluster(connection: RedisConnection): connection is Cluster {
  return connection instanceof Cluster;
}

/** The servers that hold keys: the connection itself, or every master of a cluster. */
export function primariesOf(connection: RedisConnection): Redis[] {
  return isCluster(connection) ? connection.nodes('master') : [connection];
}

/**
 * Every key matching `pattern` on every primary, a SCAN page at a time (COUNT 1000), so no
 * server blocks. Keys created or moved (a reshard) while it runs may be missed or seen twice:
 * callers run it against keys nobody writes, or repeat it.
 */
export async function scanKeys(
  connection: RedisConnection,
  pattern: string,
  onPage: (keys: string[]) => Promise<void> | void,
): Promise<void> {
  for (const primary of primariesOf(connection)) {
    let cursor = '0';
    do {
      let page: [string, string[]];
      try {
        page = await primary.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      } catch (error) {
        throw toStoreError(error, `scan ${pattern}`);
      }
      cursor = page[0];
      if (page[1].length > 0) await onPage(page[1]);
    } while (cursor !== '0');
  }
}
