import { EngineError } from '@checkout/engine';
import { CommanderError } from 'commander';
import { CliError } from './cli-error.ts';

/**
 * Every exit code of `checkout-rebuild`, and the only place where an outcome or an error
 * becomes one. Commands report a reason, never a number.
 *
 * | code | reason           | when                                                          |
 * |------|------------------|---------------------------------------------------------------|
 * | 0    | ok               | done (a dry run, a clean verification, a switch that happened) |
 * | 1    | failure          | Kafka/Redis failed, another rebuild switched first, a bug      |
 * | 2    | usage            | bad flags or environment (the message names which)            |
 * | 3    | drift            | `--verify` found sessions that differ from the rebuilt fold   |
 * | 4    | notConfirmed     | a destructive step was declined, or no TTY and no `--yes`     |
 * | 5    | historyTruncated | retention deleted events the replay needs                     |
 * | 130  | interrupted      | SIGINT/SIGTERM: stopped cleanly, nothing switched              |
 */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  drift: 3,
  notConfirmed: 4,
  historyTruncated: 5,
  interrupted: 130,
} as const;

export type ExitReason = keyof typeof EXIT_CODES;
export type ExitCode = (typeof EXIT_CODES)[ExitReason];

export function exitCodeOf(reason: ExitReason): ExitCode {
  return EXIT_CODES[reason];
}

/** Why an error ends the run. */
export function exitReasonOf(error: unknown): ExitReason {
  if (error instanceof CliError) return error.reason;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 'ok' : 'usage';
  if (error instanceof EngineError) {
    switch (error.code) {
      case 'CONFIGURATION':
        return 'usage';
      case 'HISTORY_TRUNCATED':
        return 'historyTruncated';
      case 'STORE_UNAVAILABLE':
      case 'SOURCE_UNAVAILABLE':
      case 'CORRUPT_SNAPSHOT':
      case 'DEAD_LETTER_REFUSED':
      case 'BATCH_TOO_LARGE':
        return 'failure';
      default:
        error.code satisfies never;
    }
  }
  return 'failure';
}
