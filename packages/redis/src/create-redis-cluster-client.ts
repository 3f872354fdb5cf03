import { backoffDelay } from '@checkout/engine';
import { Cluster, type ClusterNode, type NatMap } from 'ioredis';
import {
  configError,
  DEFAULT_RECONNECT,
  parseRedisUrl,
  type RedisClientOptions,
} from './create-redis-client.ts';

/** Options for {@link createRedisClusterClient}: those of a standalone client, and the seeds. */
export interface RedisClusterClientOptions extends RedisClientOptions {
  /**
   * Further seed nodes, `host:port`, with the URL's scheme and credentials: the client asks any
   * reachable seed for the slot map, so it starts while one is down.
   * @default [] (the URL's node only)
   */
  seeds?: readonly string[];
  /**
   * Maps the addresses the cluster announces to ones this process can reach (a cluster behind
   * NAT or in containers), as ioredis' `natMap`.
   * @default none
   */
  natMap?: NatMap;
  /** The setting the seeds came from, named in configuration errors. @default 'REDIS_CLUSTER_SEEDS' */
  seedsSetting?: string;
}

/**
 * An ioredis `Cluster` client with the fail-fast behaviour of `createRedisClient`, from the URL
 * of one seed node (`rediss://user:password@host:port`: ACL user, password and TLS apply to
 * every node; Redis Cluster has only db 0).
 *
 * - `enableOfflineQueue: false`: while the slot map is unknown every command rejects at once
 *   and the engine retries with backoff.
 * - `scaleReads: 'master'`: replicas lag asynchronously; a batch must load what the last
 *   commit wrote, a reader what the projector stored.
 * - `MOVED` (a reshard finished, a failover) and `ASK` (a slot migrating) are followed by the
 *   client, up to `maxRedirections` (16) hops; `CLUSTERDOWN` and `TRYAGAIN` are retried after
 *   100 ms on the same budget, then reject as transient errors (redis-errors.ts), and the
 *   engine's own backoff takes over.
 * - Per node: `maxRetriesPerRequest: 0` and `commandTimeout`, as on a standalone client; the
 *   cluster layer re-sends a command whose node connection closed (failover). A commit re-sent
 *   after it ran fails its checkpoint guard, so it can never apply twice.
 * - The TLS server name is each node's host name (Node's default), not the seed's: nodes of a
 *   managed cluster have certificates of their own.
 */
export function createRedisClusterClient(
  url: string,
  options: RedisClusterClientOptions = {},
): Cluster {
  const setting = options.setting ?? 'REDIS_URL';
  const parsed = parseRedisUrl(url, setting, options.tls);
  if (parsed.db !== 0) throw configError(setting, 'selects a db, but Redis Cluster has only db 0');
  const { host, port, username, password, tls } = parsed;
  const reconnect = options.reconnect ?? DEFAULT_RECONNECT;
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  const seeds: ClusterNode[] = [
    { host: host ?? '127.0.0.1', port: port ?? 6379 },
    ...(options.seeds ?? []).map((seed) =>
      parseSeed(seed, options.seedsSetting ?? 'REDIS_CLUSTER_SEEDS'),
    ),
  ];
  const nodeTls = tls === undefined ? undefined : withoutServerName(tls);
  const cluster = new Cluster(seeds, {
    enableOfflineQueue: false,
    enableReadyCheck: true,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnMoved: 0,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2_000,
    clusterRetryStrategy: (attempt) => Math.max(reconnect.baseMs, backoffDelay(attempt, reconnect)),
    ...(options.natMap === undefined ? {} : { natMap: options.natMap }),
    redisOptions: {
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(nodeTls === undefined ? {} : { tls: nodeTls }),
      connectionName: options.connectionName ?? 'checkout',
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      ...(commandTimeoutMs > 0 ? { commandTimeout: commandTimeoutMs } : {}),
      connectTimeout: options.connectTimeoutMs ?? 5_000,
    },
    lazyConnect: true,
  });
  cluster.on('error', options.onError ?? (() => undefined));
  return cluster;
}

/** `host:port` of a seed node (IPv6 in brackets). */
function parseSeed(seed: string, setting: string): ClusterNode {
  const match = /^(?:\[([^\]]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(seed.trim());
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65_535) {
    throw configError(setting, `has ${JSON.stringify(seed)}; expected host:port`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

function withoutServerName<T extends { servername?: string | undefined }>(
  tls: T,
): Omit<T, 'servername'> {
  const { servername: _ignored, ...rest } = tls;
  return rest;
}
