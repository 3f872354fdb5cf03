import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findFreePort, isPortFree } from './free-port.ts';
import {
  askServer,
  startRedisServer,
  type RedisServerHandle,
  type RedisServerOptions,
} from './redis-server.ts';
import { sleep } from './sleep.ts';

const run = promisify(execFile);

/** Options for {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** @default 3 */
  masters?: number;
  /** @default 1 */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`: how long a master may be unreachable before its replica is
   * promoted. Low, so failover tests do not wait long. @default 2000
   */
  nodeTimeoutMs?: number;
  /** @default 'none' */
  persistence?: RedisServerOptions['persistence'];
  /** @default 60000 */
  startTimeoutMs?: number;
}

export interface ClusterMaster {
  port: number;
  id: string;
  /** Slot ranges it serves, inclusive. */
  slots: Array<[number, number]>;
}

export interface ClusterTopology {
  /** Masters that serve slots. */
  masters: ClusterMaster[];
  /** Replica port → its master's id. */
  replicas: Map<number, string>;
}

export interface RedisClusterHandle {
  /** `redis://127.0.0.1:<port>` of the first node: a seed URL. */
  readonly url: string;
  /** `127.0.0.1:<port>` of every node. */
  readonly seeds: readonly string[];
  readonly nodes: readonly RedisServerHandle[];
  node(port: number): RedisServerHandle;
  /** Roles and slots now, as a running node sees them. */
  topology(): Promise<ClusterTopology>;
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /**
   * Until every running node reports `cluster_state:ok`, all slots covered, agrees on which
   * masters serve slots, and (with `replicated`) each of them has a running replica.
   */
  waitUntilHealthy(options?: { replicated?: boolean; timeoutMs?: number }): Promise<void>;
  /** `redis-cli --cluster reshard`: moves `slots` slots from one master to another, live. */
  reshard(fromPort: number, toPort: number, slots: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster on free ports, without Docker: `redis-server --cluster-enabled yes` per
 * node (through scripts/redis/run-server.sh, so each is guarded like any testkit server),
 * joined by `redis-cli --cluster create … --cluster-replicas <n>`. Every node binds and
 * announces 127.0.0.1; its cluster bus is port + 10000, checked free too.
 */
export async function startRedisCluster(
  options: RedisClusterOptions = {},
): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const nodes: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i += 1) {
      const port = await clusterPort(nodes.map((node) => node.port));
      nodes.push(
        await startRedisServer({
          port,
          persistence: options.persistence ?? 'none',
          serverArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 2000),
            // A master must stay promotable whatever the replica's last contact (tests kill them).
            '--cluster-replica-validity-factor',
            '0',
          ],
        }),
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: timeoutMs },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const handle = clusterHandle(nodes, stop);
  await handle.waitUntilHealthy({ replicated: replicas > 0, timeoutMs });
  return handle;
}

function clusterHandle(nodes: RedisServerHandle[], stop: () => Promise<void>): RedisClusterHandle {
  const first = nodes[0];
  if (first === undefined) throw new Error('testkit: a cluster needs nodes');
  const running = () => nodes.filter((node) => node.isRunning());
  const topology = async (): Promise<ClusterTopology> => {
    for (const node of running()) {
      try {
        return parseClusterNodes(String(await askServer(node.port, 'CLUSTER', 'NODES')));
      } catch {
        // That node is going away; ask the next.
      }
    }
    throw new Error('testkit: no cluster node answers');
  };
  return {
    url: first.url,
    seeds: nodes.map((node) => `127.0.0.1:${node.port}`),
    nodes,
    node(port) {
      const node = nodes.find((candidate) => candidate.port === port);
      if (node === undefined) throw new Error(`testkit: no cluster node on port ${port}`);
      return node;
    },
    topology,
    async masterOf(key) {
      const slot = Number(await askServer(first.port, 'CLUSTER', 'KEYSLOT', key));
      const { masters } = await topology();
      const master = masters.find(({ slots }) => slots.some(([a, b]) => slot >= a && slot <= b));
      if (master === undefined) throw new Error(`testkit: no master serves slot ${slot}`);
      return master.port;
    },
    async waitUntilHealthy(options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      let last = '';
      while (Date.now() < deadline) {
        try {
          last = await unhealthy(running(), options.replicated ?? true);
          if (last === '') return;
        } catch (error) {
          last = String(error);
        }
        await sleep(100);
      }
      throw new Error(`testkit: the Redis Cluster did not become healthy: ${last}`);
    },
    async reshard(fromPort, toPort, slots) {
      const { masters } = await topology();
      const id = (port: number) => masters.find((master) => master.port === port)?.id;
      const [from, to] = [id(fromPort), id(toPort)];
      if (from === undefined || to === undefined)
        throw new Error(`testkit: ${fromPort} or ${toPort} is not a master with slots`);
      await run(
        'redis-cli',
        [
          '--cluster',
          'reshard',
          `127.0.0.1:${toPort}`,
          '--cluster-from',
          from,
          '--cluster-to',
          to,
          '--cluster-slots',
          String(slots),
          '--cluster-yes',
          '--cluster-pipeline',
          '100',
        ],
        { timeout: 120_000 },
      );
    },
    stop,
  };
}

/** Why the cluster is not healthy yet, or '' when it is. */
async function unhealthy(nodes: RedisServerHandle[], replicated: boolean): Promise<string> {
  const views = new Set<string>();
  for (const node of nodes) {
    const info = String(await askServer(node.port, 'CLUSTER', 'INFO'));
    if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info))
      return `node ${node.port}: ${info.split('\n').slice(0, 3).join(' ')}`;
    const { masters, replicas } = parseClusterNodes(
      String(await askServer(node.port, 'CLUSTER', 'NODES')),
    );
    views.add(masters.map((master) => master.port).join(','));
    if (replicated) {
      const livePorts = new Set(nodes.map((live) => live.port));
      const bare = masters.filter(
        (master) =>
          ![...replicas].some(([port, masterId]) => masterId === master.id && livePorts.has(port)),
      );
      if (bare.length > 0)
        return `master ${bare[0]?.port} has no replica yet (seen by ${node.port})`;
    }
  }
  return views.size <= 1 ? '' : `nodes disagree on the masters: ${[...views].join(' / ')}`;
}

/** `CLUSTER NODES` output: masters serving slots, and which master each replica follows. */
export function parseClusterNodes(text: string): ClusterTopology {
  const masters: ClusterMaster[] = [];
  const replicas = new Map<number, string>();
  for (const line of text.trim().split('\n')) {
    const [id = '', address = '', flags = '', masterId = '', , , , link = '', ...slots] = line
      .trim()
      .split(' ');
    const port = Number(/:(\d+)@/.exec(address)?.[1]);
    if (flags.includes('fail') || flags.includes('noaddr') || link !== 'connected') continue;
    if (flags.includes('master')) {
      const ranges = slots
        .filter((slot) => !slot.startsWith('['))
        .map((slot): [number, number] => {
          const [a, b = a] = slot.split('-');
          return [Number(a), Number(b)];
        });
      if (ranges.length > 0) masters.push({ port, id, slots: ranges });
    } else if (flags.includes('slave')) {
      replicas.set(port, masterId);
    }
  }
  masters.sort((a, b) => a.port - b.port);
  return { masters, replicas };
}

/** A free port whose cluster bus port (+10000) is free too, and not one already taken. */
async function clusterPort(taken: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await findFreePort();
    if (port > 55_535 || taken.includes(port) || taken.includes(port - 10_000)) continue;
    if (taken.includes(port + 10_000)) continue;
    if (await isPortFree(port + 10_000)) return port;
  }
  throw new Error('testkit: no free port pair (port, port + 10000) for a cluster node');
}
