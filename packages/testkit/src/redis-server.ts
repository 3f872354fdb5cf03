import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { findFreePort, isPortFree } from './free-port.ts';
import { guardServers, tailFile, type ManagedProcess } from './managed-process.ts';
import { sleep } from './sleep.ts';

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /**
   * `aof-everysec`: `appendfsync everysec`, production's usual setting: a SIGKILL loses up to the
   * last second or two of acknowledged writes.
   * `aof`: append-only file with `appendfsync always`, so every acknowledged write survives a
   * SIGKILL. `none`: memory only, a restart starts empty.
   * @default 'none'
   */
  persistence?: 'aof' | 'aof-everysec' | 'none';
  /** @default a free port */
  port?: number;
  /**
   * Where redis keeps its AOF and its log.
   * @default a new directory under the OS temp dir, deleted when the test process exits
   */
  dataDir?: string;
  /** @default 20000 */
  startTimeoutMs?: number;
  /** Further `redis-server` arguments (a cluster node's `--cluster-enabled yes …`). @default [] */
  serverArgs?: readonly string[];
}

export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Graceful: SIGTERM (redis flushes the AOF and exits), then wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL; resolves once it is dead. */
  kill(): Promise<void>;
  /** Whether its process runs (not killed or stopped). */
  isRunning(): boolean;
  /** Starts again on the same port and dir (stopping it first if it runs); waits until PING answers. */
  restart(): Promise<void>;
}

const runServerScript = fileURLToPath(
  new URL('../../../scripts/redis/run-server.sh', import.meta.url),
);

/**
 * Runs the machine's `redis-server` on its own port and dir (never a shared one on 6379) through
 * scripts/redis/run-server.sh, and resolves once PING answers.
 */
export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServerHandle> {
  const port = options.port ?? (await findFreePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'checkout-redis-'));
  mkdirSync(dataDir, { recursive: true });
  const guard = guardServers(dataDir, options.dataDir === undefined);
  const persistence = options.persistence ?? 'none';
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const url = `redis://127.0.0.1:${port}`;

  let current: ManagedProcess | undefined;
  const launch = async (): Promise<void> => {
    // Otherwise PING could reach another server on the port and call it ours.
    if (!(await isPortFree(port))) throw new Error(`redis-server: 127.0.0.1:${port} is in use`);
    const args = [
      runServerScript,
      String(port),
      dataDir,
      persistence,
      ...(options.serverArgs ?? []),
    ];
    const started = guard.spawn('bash', args, {
      logFile: join(dataDir, 'process.log'),
    });
    current = started;
    await waitForPing(port, started, dataDir, startTimeoutMs);
  };
  await launch();

  return {
    url,
    port,
    dataDir,
    async stop() {
      await current?.terminate(10_000);
    },
    async kill() {
      await current?.kill();
    },
    isRunning: () => current?.isRunning() ?? false,
    async restart() {
      await current?.terminate(10_000);
      await launch();
    },
  };
}

async function waitForPing(
  port: number,
  server: ManagedProcess,
  dataDir: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!server.isRunning()) throw redisError('exited early', dataDir);
    try {
      // While it loads the AOF, redis answers PING with -LOADING.
      if ((await askServer(port, 'PING')) === 'PONG') return;
    } catch {
      // Not up yet.
    }
    await sleep(100);
  }
  await server.kill();
  throw redisError(`did not answer PING within ${timeoutMs} ms`, dataDir);
}

/** One command to the server on `port`, on a connection of its own that gives up at once. */
export async function askServer(port: number, ...command: [string, ...string[]]): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(...command);
  } finally {
    client.disconnect();
  }
}

function redisError(what: string, dataDir: string): Error {
  return new Error(
    `redis-server (${dataDir}) ${what}.\n` +
      `--- tail of ${dataDir}/redis.log\n${tailFile(join(dataDir, 'redis.log'))}\n` +
      `--- tail of ${dataDir}/process.log\n${tailFile(join(dataDir, 'process.log'), 15)}`,
  );
}
