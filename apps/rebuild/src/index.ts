export {
  createCliContext,
  withCommonFlags,
  type CliContext,
  type CliIo,
  type CommandOutcome,
  type GlobalFlags,
} from './cli-context.ts';
export { CliError, usageError, type CliErrorReason } from './cli-error.ts';
export {
  EXIT_CODES,
  exitCodeOf,
  exitReasonOf,
  type ExitCode,
  type ExitReason,
} from './exit-codes.ts';
export { buildProgram, runCli } from './program.ts';
