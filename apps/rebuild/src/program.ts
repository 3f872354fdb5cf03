import { Command } from 'commander';
import { DEFAULT_FETCH_PARTITION_MAX_BYTES } from '@checkout/kafka';
import { registerDlqCommands } from './commands/dlq.ts';
import { registerGenerationCommands } from './commands/generations.ts';
import { rebuild } from './commands/rebuild.ts';
import { showStatus } from './commands/status.ts';
import { createCliContext, withCommonFlags, type CliContext, type CliIo } from './cli-context.ts';
import { usageError } from './cli-error.ts';
import { exitCodeOf, exitReasonOf } from './exit-codes.ts';

const EXAMPLES = `
Examples:
  # Rebuild everything into a new generation, switch readers when it caught up
  $ checkout-rebuild --from-offset earliest
  # Same, unattended (CI, a runbook script), with a machine-readable result
  $ checkout-rebuild --from-offset earliest --yes --json
  # Redis lost its data, fast path: one record per session from the snapshot changelog
  $ checkout-rebuild --from-changelog --yes
  # Redis restored from an older backup, or flushed: catch up from the stored checkpoints
  $ checkout-rebuild --from-snapshot
  # Did the live projection drift from the fold? (exit code 3 if so)
  $ checkout-rebuild --verify
  # Inspect, then repair, one session
  $ checkout-rebuild --session s-1-17 --dry-run
  $ checkout-rebuild --session s-1-17 --yes
  # Try a fold change on one topic without writing anything
  $ checkout-rebuild --from-offset earliest --topics payment-events --dry-run
  # Dead-lettered events: inspect, then replay after fixing the cause
  $ checkout-rebuild dlq list --reason currency_mismatch
  $ checkout-rebuild dlq replay --reason currency_mismatch
  # Where is the live projector, and what is left over?
  $ checkout-rebuild status
  $ checkout-rebuild generations list
  $ checkout-rebuild generations drop 3 --yes
  $ checkout-rebuild generations activate 2      # roll back, or resume a killed rebuild

Environment (the projector's): KAFKA_BROKERS, KAFKA_GROUP_ID (the live group, default
checkout-projector), KAFKA_CLIENT_ID, KAFKA_TOPIC_PREFIX, KAFKA_SSL, KAFKA_SSL_CA_FILE,
KAFKA_SASL_MECHANISM/USERNAME/PASSWORD, REDIS_URL, REDIS_TLS_CA_FILE, REDIS_NAMESPACE,
CHECKOUT_CURRENCY, SNAPSHOT_TTL_SECONDS, DLQ_TOPIC, SNAPSHOT_CHANGELOG_TOPIC.

Exit codes: 0 ok, 1 failure, 2 bad usage or configuration, 3 drift found (--verify),
4 not confirmed (declined, or no terminal and no --yes), 5 history truncated by retention,
130 interrupted.
`;

const MODE_FLAGS = [
  'fromOffset',
  'fromSnapshot',
  'fromChangelog',
  'session',
  'partition',
  'verify',
  'topics',
  'dryRun',
  'fetchBytes',
];

/**
 * The `checkout-rebuild` command line. The root command is the rebuild itself (one of the
 * modes); `status`, `generations` and `dlq` are subcommands.
 */
export function buildProgram(context: CliContext): Command {
  const program = withCommonFlags(new Command('checkout-rebuild'))
    .description(
      'Operator CLI for the CheckoutOrder projection: replays the checkout topics through the ' +
        "projector's engine into a new generation (blue/green, switched atomically), recovers from " +
        'stored checkpoints, rebuilds one session, or verifies the live projection against a rebuild.',
    )
    .option(
      '--from-offset <n|earliest>',
      'rebuild into a new generation from this offset of every partition, then switch readers to it',
    )
    .option(
      '--from-changelog',
      'restore into a new generation from the snapshot changelog (SNAPSHOT_CHANGELOG_TOPIC), continue from Kafka, then switch readers to it',
    )
    .option(
      '--from-snapshot',
      'recover in place: resume every partition from its stored checkpoint and catch up',
    )
    .option('--session <id>', 'rebuild one session from its partition and replace its snapshot')
    .option(
      '--partition <n>',
      'with --session: the partition to read (default: murmur2 of the id, as Kafka producers do)',
    )
    .option(
      '--verify',
      'rebuild into a scratch generation and report sessions that differ from the live one (exit 3)',
    )
    .option(
      '--topics <list>',
      'comma-separated subset of the five topics (--from-snapshot, or with --dry-run)',
    )
    .option(
      '--dry-run',
      'compute and report, write nothing (--verify --dry-run rebuilds in memory)',
    )
    .option(
      '--fetch-bytes <bytes>',
      `Kafka fetch size per partition (default ${DEFAULT_FETCH_PARTITION_MAX_BYTES})`,
    )
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(run checkout-rebuild --help for usage and examples)')
    // Program options only before a command name: `dlq replay --dry-run` is the command's own.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    })
    .action(context.action(async (flags: Record<string, unknown>) => rebuild(context, flags)));

  program.hook('preAction', (root, actionCommand) => {
    if (actionCommand === root) return;
    const given = MODE_FLAGS.find((flag) => root.getOptionValue(flag) !== undefined);
    if (given !== undefined) {
      throw usageError(
        `--${kebab(given)} applies to the rebuild itself, not to "${actionCommand.name()}".`,
      );
    }
  });

  withCommonFlags(program.command('status'))
    .description(
      'active generation, checkpoints and lag per partition, last write, dead-letter count, generations',
    )
    .action(context.action(async () => showStatus(context)));
  registerGenerationCommands(program, context);
  registerDlqCommands(program, context);
  return program;
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const context = createCliContext(io);
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode();
  } catch (error) {
    // Commander already printed its own usage errors; ours from hooks are printed here.
    const reason = exitReasonOf(error);
    if (!(error as { code?: string }).code?.startsWith('commander.')) {
      io.stderr.write(
        `checkout-rebuild: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
    return exitCodeOf(reason);
  } finally {
    await context.close();
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
