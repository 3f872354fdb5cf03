import { EngineError } from '@checkout/engine';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { eventStoreError } from './eventstore-errors.ts';

/**
 * # Why `@kurrent/kurrentdb-client`
 *
 * EventStoreDB was renamed KurrentDB (server 25.0, March 2025) and its Node client was
 * republished as `@kurrent/kurrentdb-client`; `@eventstore/db-client` saw its last release in
 * December 2024. The successor serves an EventStoreDB server equally (same gRPC protocol; the
 * vendor's CI runs it against EventStoreDB LTS images), so we follow the maintained one. Its
 * reads go through a Rust add-on (`@kurrent/bridge`) that ships prebuilt for each platform in
 * optional dependencies: `pnpm install` on a fresh clone fetches the one for this machine
 * from the npm registry, no compiler involved. Only this file and read-eventstore.ts import the
 * client, behind the `AllEventsReader` port; the archive contract (eventstore-mapping.ts) does
 * not depend on it.
 *
 * Connection strings: the 1.x client speaks `kurrentdb://` (also `kurrent://`, `kdb://`) and
 * still parses `esdb://` with a deprecation warning on the console. Operators' existing
 * `esdb://` settings keep working: they are handed to the client as `kurrentdb://`, which means
 * the same, without the warning on an operator's terminal.
 */

export interface ConnectEventStoreOptions {
  /**
   * The setting the connection string came from, named in configuration errors.
   * @default 'EVENTSTORE_URL'
   */
  setting?: string;
}

/** The schemes the client accepts; `esdb` is EventStoreDB's name for `kurrentdb`. */
const SCHEME = /^(esdb|kurrentdb|kurrent|kdb)(\+discover)?:\/\//;

/**
 * A client for `esdb://[user:password@]host:2113[,host2…][?tls=false&…]` or the same with
 * `kurrentdb://` (and `+discover` for cluster discovery through DNS/gossip). The client
 * connects lazily: call {@link verifyEventStore} to fail fast. `dispose()` it when done.
 */
export function connectEventStore(
  connectionString: string,
  options: ConnectEventStoreOptions = {},
): KurrentDBClient {
  const setting = options.setting ?? 'EVENTSTORE_URL';
  const trimmed = connectionString.trim();
  if (!SCHEME.test(trimmed)) {
    throw configuration(
      setting,
      `must start with esdb://, kurrentdb:// or their +discover forms (e.g. esdb://localhost:2113?tls=false), got ${redact(trimmed)}`,
    );
  }
  try {
    return KurrentDBClient.connectionString(trimmed.replace(/^esdb/, 'kurrentdb'));
  } catch (error) {
    throw configuration(
      setting,
      `is not a valid connection string (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      error,
    );
  }
}

/**
 * Reads one event of `$all`: proves the server answers and the user may read `$all`.
 * Rejects with `CONFIGURATION` (access denied) or a `SOURCE_UNAVAILABLE` EngineError.
 */
export async function verifyEventStore(
  client: KurrentDBClient,
  options: { deadlineMs?: number } = {},
): Promise<void> {
  try {
    for await (const _event of client.readAll({
      maxCount: 1,
      deadline: options.deadlineMs ?? 10_000,
    }))
      break;
  } catch (error) {
    throw eventStoreError('reading the first event of $all', error);
  }
}

function configuration(setting: string, problem: string, cause?: unknown): EngineError {
  return new EngineError('CONFIGURATION', `${setting} ${problem}.`, {
    canRetry: false,
    ...(cause === undefined ? {} : { cause }),
    context: { setting },
  });
}

/** The connection string without its password, for messages. */
export function redact(connectionString: string): string {
  return connectionString.replace(/^([a-z+]+:\/\/[^:@/]+):[^@/]*@/i, '$1:***@');
}
