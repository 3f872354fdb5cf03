import { EngineError } from '@checkout/engine';
import { EventStoreDBClient } from '@eventstore/db-client';
import { eventStoreError } from './eventstore-errors.ts';

/**
 * # Why `@eventstore/db-client` and not `@kurrent/kurrentdb-client`
 *
 * EventStoreDB was renamed KurrentDB (server 25.0, March 2025) and its Node client was
 * republished as `@kurrent/kurrentdb-client` (1.x). The successor would serve an EventStoreDB
 * server equally: same gRPC protocol, the vendor's CI runs it against EventStoreDB LTS images,
 * and its connection-string parser still accepts `esdb://` (with a deprecation warning).
 * It brings two things: server-side filters on `readAll`, and reads through a Rust native
 * add-on (`@kurrent/bridge`), about twice as fast in the vendor's benchmark.
 *
 * We stay on `@eventstore/db-client` 6.2.1 (installed, pure JavaScript over @grpc/grpc-js):
 * - replay from the archive is a rare recovery path; its speed is bounded by the engine's Redis
 *   commits, not by the read, and a client-side filter on a paged `$all` read is enough
 *   (read-eventstore.ts);
 * - a native add-on is one more prebuilt binary per platform to trust and install, for an
 *   operator CLI that must work in a bad moment;
 * - the 1.x client changed its API (connection strings only, renamed client class), so a
 *   switch is a small, contained change: only this file and read-eventstore.ts import the
 *   client, behind the `AllEventsReader` port.
 * Reconsider when the servers move to KurrentDB 25+ and the 6.x client stops being maintained.
 */

export interface ConnectEventStoreOptions {
  /**
   * The setting the connection string came from, named in configuration errors.
   * @default 'EVENTSTORE_URL'
   */
  setting?: string;
}

/**
 * A client for `esdb://[user:password@]host:2113[,host2…][?tls=false&…]` (or
 * `esdb+discover://` for cluster discovery through DNS/gossip). The client connects lazily:
 * call {@link verifyEventStore} to fail fast. `dispose()` it when done.
 */
export function connectEventStore(
  connectionString: string,
  options: ConnectEventStoreOptions = {},
): EventStoreDBClient {
  const setting = options.setting ?? 'EVENTSTORE_URL';
  const trimmed = connectionString.trim();
  if (!/^esdb(\+discover)?:\/\//.test(trimmed)) {
    throw configuration(
      setting,
      `must start with esdb:// or esdb+discover:// (e.g. esdb://localhost:2113?tls=false), got ${redact(trimmed)}`,
    );
  }
  try {
    return EventStoreDBClient.connectionString(trimmed);
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
  client: EventStoreDBClient,
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
