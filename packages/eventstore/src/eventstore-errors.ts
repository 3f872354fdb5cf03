import { EngineError } from '@checkout/engine';

/**
 * gRPC client errors (their `type`, see @kurrent/kurrentdb-client's CommandError) that end when the
 * server or the cluster comes back: worth retrying with backoff.
 */
const TRANSIENT = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'not-leader']);

/** Errors retrying cannot fix: the connection string's user or the server's setup must change. */
const CONFIGURATION = new Set(['access-denied', 'unsupported', 'invalid-argument']);

/**
 * An EventStoreDB failure as the engine's error: `SOURCE_UNAVAILABLE` with `canRetry` for an
 * unreachable server or a leader change, `CONFIGURATION` when the user may not read `$all`.
 */
export function eventStoreError(operation: string, cause: unknown): EngineError {
  if (cause instanceof EngineError) return cause;
  const type = errorType(cause);
  const reason = cause instanceof Error ? cause.message : String(cause);
  if (type !== undefined && CONFIGURATION.has(type)) {
    const hint =
      type === 'access-denied'
        ? ' Reading $all needs an admin or ops user: put it in the connection string (esdb://user:password@host:2113).'
        : '';
    return new EngineError(
      'CONFIGURATION',
      `EventStoreDB: ${operation} failed (${type}: ${reason}).${hint}`,
      {
        canRetry: false,
        cause,
        context: { operation, type },
      },
    );
  }
  return new EngineError(
    'SOURCE_UNAVAILABLE',
    `EventStoreDB: ${operation} failed (${type ?? 'error'}: ${reason}).`,
    {
      canRetry: type !== undefined && TRANSIENT.has(type),
      cause,
      context: { operation, ...(type === undefined ? {} : { type }) },
    },
  );
}

function errorType(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const type = (error as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}
