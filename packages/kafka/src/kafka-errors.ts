import { causeChain, EngineError } from '@checkout/engine';

/**
 * kafkajs errors that mean "the cluster is unavailable right now", whatever their `retriable`
 * flag says: kafkajs marks a request that ran out of its own retries, a lock or request
 * timeout and a missing coordinator as non-retriable, but for a daemon they all end when
 * the broker comes back.
 */
const UNAVAILABLE = new Set([
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
]);

/**
 * True when retrying later may succeed: a retryable EngineError (store or sink down), or a
 * kafkajs error caused by an unavailable or rebalancing cluster. Authentication, authorization
 * and invalid-request errors are false: retrying cannot fix configuration.
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof EngineError) return error.canRetry;
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE.has(error.name)) return true;
  const root = causeChain(error).at(-1);
  return (root as { retriable?: unknown } | undefined)?.retriable === true;
}

/**
 * `SOURCE_UNAVAILABLE` for a failed Kafka operation; retryable unless `canRetry` says otherwise
 * (the message names the operation and the cause).
 */
export function sourceUnavailable(
  operation: string,
  cause: unknown,
  options: { canRetry?: boolean; context?: Record<string, unknown> } = {},
): EngineError {
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new EngineError('SOURCE_UNAVAILABLE', `Kafka: ${operation} failed (${reason}).`, {
    canRetry: options.canRetry ?? true,
    cause,
    context: options.context ?? {},
  });
}
