import type { SnapshotDecodeError } from '@checkout/domain';
import { EngineError, notTlsReply, untrustedCertificate } from '@checkout/engine';

/**
 * Redis error replies that go away by themselves: a server loading its dataset, a script
 * busy past its time limit, a replica promoted during failover, a full memory an operator
 * is fixing. Everything that is not a reply at all (refused, reset, timed out, the offline
 * queue disabled) is transient too.
 */
const TRANSIENT_REPLIES = new Set([
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'READONLY',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'OOM',
]);
/** Replies that mean the URL's user, password or ACL is wrong: retrying will not help. */
const ACCESS_REPLIES = new Set(['NOAUTH', 'WRONGPASS', 'NOPERM']);

/** Maps whatever ioredis threw while doing `operation` to an {@link EngineError}. */
export function toStoreError(
  error: unknown,
  operation: string,
  context: Record<string, unknown> = {},
): EngineError {
  if (error instanceof EngineError) return error;
  const tls = tlsMisconfiguration(error, operation, context);
  if (tls !== null) return tls;
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const reply = replyCode(error);
  if (reply !== null && ACCESS_REPLIES.has(reply)) {
    return new EngineError(
      'CONFIGURATION',
      `Redis refused the login or ACL while trying to ${operation}: ${message}. Check the user, password and ACL in REDIS_URL.`,
      { canRetry: false, cause: error, context: { ...context, reply } },
    );
  }
  if (reply !== null && !TRANSIENT_REPLIES.has(reply)) {
    return new EngineError(
      'STORE_UNAVAILABLE',
      `Redis rejected a command to ${operation}: ${message}.`,
      {
        canRetry: false,
        cause: error,
        context: { ...context, reply },
      },
    );
  }
  return new EngineError(
    'STORE_UNAVAILABLE',
    // Retryable, but whether anyone retries is the caller's to say (the projector does, with
    // backoff; checkout-rebuild stops): the message names only the cause and the check.
    `Could not ${operation}: ${message}. Check that Redis is up and reachable (REDIS_URL).`,
    { canRetry: true, cause: error, context },
  );
}

/** Runs one Redis operation; whatever it throws becomes an {@link EngineError} about `what`. */
export async function withStoreError<T>(operation: () => Promise<T>, what: string): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStoreError(error, what);
  }
}

/**
 * A server certificate we do not trust, or a `rediss://` URL pointing at a port that answers
 * in plain text: ioredis would reconnect for ever, and the projector wait, not ready, for a
 * fix that only the configuration can bring.
 */
function tlsMisconfiguration(
  error: unknown,
  operation: string,
  context: Record<string, unknown>,
): EngineError | null {
  const certificate = untrustedCertificate(error);
  if (certificate !== null) {
    return new EngineError(
      'CONFIGURATION',
      `REDIS_TLS_CA_FILE: Redis's TLS certificate is not trusted (${certificate.code}: ` +
        `${certificate.message}) while trying to ${operation}; point REDIS_TLS_CA_FILE at the CA that signed it.`,
      { canRetry: false, cause: error, context: { ...context, setting: 'REDIS_TLS_CA_FILE' } },
    );
  }
  return notTlsReply(error) ? plainTextOnTlsUrl(error, operation, context) : null;
}

/** `rediss://` pointing at a port that speaks plain text. */
export function plainTextOnTlsUrl(
  error: unknown,
  operation: string,
  context: Record<string, unknown> = {},
): EngineError {
  return new EngineError(
    'CONFIGURATION',
    `REDIS_URL: the server answers in plain text, not TLS, while trying to ${operation}; ` +
      'rediss:// points at a port without TLS. Use the TLS port (tls-port), or redis://.',
    { canRetry: false, cause: error, context: { ...context, setting: 'REDIS_URL' } },
  );
}

/**
 * A refused login or ACL in an error reply that reached the caller raw (a command outside the
 * store), as the CONFIGURATION error {@link toStoreError} makes of it; null for anything else.
 */
export function redisAccessRefused(error: unknown, operation: string): EngineError | null {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return null;
  const mapped = toStoreError(error, operation);
  return mapped.code === 'CONFIGURATION' ? mapped : null;
}

/** The first word of a Redis error reply (`WRONGTYPE`, `NOPERM`, …), or null for other errors. */
function replyCode(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return null;
  const match = /^([A-Z]+)\b/.exec(error.message);
  return match?.[1] ?? 'ERR';
}

/** A stored snapshot that does not decode: never folded onto, never served; an operator rebuilds it. */
export function corruptSnapshot(
  sessionId: string,
  key: string,
  error: SnapshotDecodeError,
): EngineError {
  const what =
    error.reason === 'unsupported_version'
      ? `was written by a newer version (${error.message}). Deploy that version here, or rebuild it`
      : `is corrupt (${error.message}). Rebuild it`;
  return new EngineError(
    'CORRUPT_SNAPSHOT',
    `The snapshot at ${key} ${what} with \`checkout-rebuild --session ${sessionId}\`.`,
    { canRetry: false, context: { sessionId, key, reason: error.reason } },
  );
}
