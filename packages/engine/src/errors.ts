/**
 * Infrastructure failures, keyed on what the caller should do about them. Expected bad input
 * never arrives here: it is a `Result` (domain) or a dead-letter entry (engine).
 */
export type EngineErrorCode =
  | 'STORE_UNAVAILABLE'
  | 'SOURCE_UNAVAILABLE'
  | 'HISTORY_TRUNCATED'
  | 'CORRUPT_SNAPSHOT'
  /** The dead-letter topic refuses an entry for good (too large, not authorised, …). */
  | 'DEAD_LETTER_REFUSED'
  /** One commit would carry more bytes than the store takes at once: the engine splits it. */
  | 'BATCH_TOO_LARGE'
  | 'CONFIGURATION';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  /** True when retrying the same operation later may succeed. */
  readonly canRetry: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: EngineErrorCode,
    message: string,
    options: { canRetry: boolean; cause?: unknown; context?: Record<string, unknown> },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.canRetry = options.canRetry;
    this.context = options.context ?? {};
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof EngineError ? error.canRetry : false;
}

/** A checkpoint below the log start: retention deleted events the state never saw. */
export function historyTruncated(
  partitionKey: string,
  checkpoint: string,
  logStart: string,
): EngineError {
  return new EngineError(
    'HISTORY_TRUNCATED',
    `Partition ${partitionKey}: the stored checkpoint is ${checkpoint} but the log now starts at ${logStart}; ` +
      'retention deleted events that were never projected. Refusing to skip them. Recover with ' +
      '`checkout-rebuild --source eventstore` (or restore the topic), then restart the projector.',
    { canRetry: false, context: { partitionKey, checkpoint, logStart } },
  );
}

/** `error`, its `cause`, their `cause`…, at most 10 deep (Error objects only). */
export function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let current = error; current instanceof Error && chain.length < 10;) {
    chain.push(current);
    current = current.cause;
  }
  return chain;
}
