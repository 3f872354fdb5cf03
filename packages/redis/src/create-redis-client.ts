import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { backoffDelay, EngineError, type BackoffOptions } from '@checkout/engine';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConnection } from './redis-connection.ts';
import { answersPlainText } from './plain-text-probe.ts';
import { plainTextOnTlsUrl, toStoreError } from './redis-errors.ts';

/** Options for {@link createRedisClient}. */
export interface RedisClientOptions {
  /**
   * The setting the URL came from, named in configuration errors.
   * @default 'REDIS_URL'
   */
  setting?: string;
  /**
   * Shown in `CLIENT LIST`.
   * @default 'checkout'
   */
  connectionName?: string;
  /**
   * A command without a reply after this long fails (the engine then retries the batch; a
   * commit that did land is caught by the compare-and-set on the retry). 0 = no timeout.
   * @default 5000
   */
  commandTimeoutMs?: number;
  /**
   * Give up on one connection attempt after this long (then reconnect with backoff).
   * @default 5000
   */
  connectTimeoutMs?: number;
  /**
   * Delay between reconnect attempts: capped exponential backoff with jitter, never below
   * `baseMs`. The client never stops reconnecting.
   * @default { baseMs: 100, capMs: 2000 }
   */
  reconnect?: BackoffOptions;
  /**
   * Extra TLS options for `rediss://` (a private CA, client certificates).
   * @default {} (system CAs, server name from the URL)
   */
  tls?: ConnectionOptions;
  /**
   * Every connection error (refused, reset, TLS, auth). ioredis reconnects by itself; this is
   * for logs and readiness. Without it the errors are swallowed, never thrown unhandled.
   * @default ignore
   */
  onError?: (error: Error) => void;
}

export const DEFAULT_RECONNECT: BackoffOptions = { baseMs: 100, capMs: 2_000 };

/**
 * An ioredis client for the projector, the rebuild CLI and readers, from a `redis://` or
 * `rediss://` URL (`rediss://user:password@host:6380/0`: ACL user and password, TLS, db).
 *
 * It fails fast instead of queueing: while Redis is down every command rejects at once and
 * the caller (the engine's retry with backoff) decides when to try again, so memory stays
 * flat and nothing stale is sent later.
 * - `enableOfflineQueue: false`: no queue while disconnected.
 * - `autoResendUnfulfilledCommands: false`: a commit we gave up on is never re-sent behind
 *   our back.
 * - `maxRetriesPerRequest: 0`: a command in flight when the connection drops is rejected at
 *   once. Not 1: with `autoResendUnfulfilledCommands: false`, ioredis 5.11 drops such a
 *   command without ever settling its promise if the very next reconnect succeeds
 *   (redis/ioredis#2193, fixed after 5.11 by #2194); with 0 it is flushed on every close.
 * - `commandTimeout`: a hung server (SIGSTOP, a network black hole) fails too.
 * - `lazyConnect`: nothing happens until {@link connectRedisClient} or the first command
 *   (which fails fast while the connection is being made; a retry then succeeds).
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const setting = options.setting ?? 'REDIS_URL';
  const reconnect = options.reconnect ?? DEFAULT_RECONNECT;
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  const client = new Redis({
    ...parseRedisUrl(url, setting, options.tls),
    connectionName: options.connectionName ?? 'checkout',
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    ...(commandTimeoutMs > 0 ? { commandTimeout: commandTimeoutMs } : {}),
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    retryStrategy: (attempt) => Math.max(reconnect.baseMs, backoffDelay(attempt, reconnect)),
    // After a failover the old primary answers READONLY: reconnect (DNS may now point to the
    // new one) but never resend the command.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  });
  const onError = options.onError ?? (() => undefined);
  client.on('error', onError);
  return client;
}

/**
 * Connects a client from {@link createRedisClient} (or `createRedisClusterClient`) and waits until it is ready. Rejects with
 * an {@link EngineError}: `CONFIGURATION` for a refused login or ACL (fix the URL), else
 * `STORE_UNAVAILABLE` with `canRetry` (the client keeps reconnecting in the background).
 */
export async function connectRedisClient(client: RedisConnection): Promise<void> {
  if (client.status === 'ready') return;
  // ioredis rejects connect() with "Connection is closed."; the error event says why.
  let reason: unknown;
  const remember = (error: Error) => {
    reason = error;
  };
  client.on('error', remember);
  try {
    if (client.status === 'wait' || client.status === 'end') await client.connect();
    else await waitUntilReady(client);
  } catch (error) {
    const cause = reason ?? error;
    if (await plainTextBehindTls(client, cause)) throw plainTextOnTlsUrl(cause, 'connect to Redis');
    throw toStoreError(cause, 'connect to Redis');
  } finally {
    client.off('error', remember);
  }
}

/** A TLS connection that timed out, to a port that answers PING in plain text. */
async function plainTextBehindTls(client: RedisConnection, cause: unknown): Promise<boolean> {
  // A cluster client's nodes each have their own options; the probe is for one server.
  if (!(client instanceof Redis)) return false;
  const { tls, host, port } = client.options;
  if (tls === undefined || (cause as { code?: unknown } | null)?.code !== 'ETIMEDOUT') return false;
  return answersPlainText(host ?? 'localhost', port ?? 6379);
}

function waitUntilReady(client: RedisConnection): Promise<void> {
  return new Promise((resolve, reject) => {
    const onReady = () => {
      client.off('error', onFailure);
      resolve();
    };
    const onFailure = (error: Error) => {
      client.off('ready', onReady);
      reject(error);
    };
    client.once('ready', onReady);
    client.once('error', onFailure);
  });
}

/** `redis[s]://[user[:password]@]host[:port][/db]` → ioredis options. Never echoes the password. */
export function parseRedisUrl(
  url: string,
  setting = 'REDIS_URL',
  tls: ConnectionOptions = {},
): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError(
      setting,
      'is not a URL; expected redis://[user:password@]host[:port][/db] or rediss://…',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw configError(
      setting,
      `has protocol ${parsed.protocol}; expected redis:// or rediss:// (TLS)`,
    );
  }
  if (parsed.hostname === '') throw configError(setting, 'has no host');
  if (parsed.search !== '') {
    throw configError(
      setting,
      'has query parameters, which are not supported; use the path for the db index',
    );
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^(?:0|[1-9][0-9]?)$/.test(dbText)) {
    throw configError(
      setting,
      `has path /${dbText}; expected an empty path or a db index such as /0`,
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: RedisOptions = {
    host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: dbText === '' ? 0 : Number(dbText),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  // SNI takes a host name only (Node warns on an IP address).
  if (parsed.protocol === 'rediss:')
    options.tls = { ...(isIP(host) === 0 ? { servername: host } : {}), ...tls };
  return options;
}

export function configError(setting: string, problem: string): EngineError {
  return new EngineError('CONFIGURATION', `${setting} ${problem}.`, {
    canRetry: false,
    context: { setting },
  });
}
