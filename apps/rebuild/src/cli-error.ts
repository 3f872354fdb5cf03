/**
 * An expected way for a command to end without doing its job: bad usage, a declined
 * confirmation, an interrupt. Infrastructure failures stay `EngineError`s; exit-codes.ts maps
 * both.
 */
export type CliErrorReason =
  'usage' | 'notConfirmed' | 'interrupted' | 'historyTruncated' | 'failure';

export class CliError extends Error {
  readonly reason: CliErrorReason;
  /** Machine-readable details for `--json`. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(reason: CliErrorReason, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CliError';
    this.reason = reason;
    this.details = details;
  }
}

export function usageError(message: string, details: Record<string, unknown> = {}): CliError {
  return new CliError('usage', message, details);
}
