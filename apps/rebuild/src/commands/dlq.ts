import { InvalidArgumentError, Option, type Command } from 'commander';
import { withCommonFlags, type CliContext, type CommandOutcome } from '../cli-context.ts';
import type { RebuildConfig } from '../config.ts';
import { REJECTION_REASONS } from '../dlq/dead-letter-record.ts';
import { formatListing, formatReplay } from '../dlq/format-dead-letters.ts';
import { listDeadLetters } from '../dlq/list-dead-letters.ts';
import { replayDeadLetters } from '../dlq/replay-dead-letters.ts';
import type { ReplayPlan } from '../dlq/select-dead-letters.ts';

/**
 * What the dlq commands use of the CLI context (cli-context.ts): the Kafka client, the shared
 * Redis client, the topic names, `DLQ_TOPIC` / `REDIS_NAMESPACE` / `KAFKA_GROUP_ID`, the
 * confirmation (no terminal and no `--yes` → `notConfirmed`, exit code 4) and `action`, which
 * prints the outcome (`--json` or text) and maps errors to exit codes. A `CliContext` is one.
 */
export interface DlqContext extends Pick<
  CliContext,
  'kafka' | 'redis' | 'topics' | 'confirm' | 'action'
> {
  config(): Pick<RebuildConfig, 'DLQ_TOPIC' | 'REDIS_NAMESPACE' | 'KAFKA_GROUP_ID'>;
}

const LIST_EXAMPLES = `
Examples:
  $ checkout-rebuild dlq list
  $ checkout-rebuild dlq list --reason currency_mismatch --limit 20
  $ checkout-rebuild dlq list --json | jq .by_reason`;

const REPLAY_EXAMPLES = `
Fix the cause first (e.g. CHECKOUT_CURRENCY, or the producer bug): an event that is still
poison goes back to the dead-letter topic. A replayed event is applied after every event
that followed it on its partition. Each entry is replayed once: the replayed ones are
remembered in Redis (<REDIS_NAMESPACE>:dlq-replayed:{<KAFKA_GROUP_ID>}).

Examples:
  $ checkout-rebuild dlq replay --reason currency_mismatch --dry-run
  $ checkout-rebuild dlq replay --reason currency_mismatch
  $ checkout-rebuild dlq replay --yes --json        # unattended`;

/** `checkout-rebuild dlq list|replay`: inspect dead-lettered events, replay them after a fix. */
export function registerDlqCommands(program: Command, context: DlqContext): Command {
  const dlq = program
    .command('dlq')
    .description('inspect dead-lettered events (DLQ_TOPIC) and replay them after fixing the cause');

  withCommonFlags(dlq.command('list'))
    .description(
      'list the dead-letter topic from its start to its current end (commits no consumer offsets)',
    )
    .addOption(reasonOption())
    .option(
      '--limit <n>',
      'show at most n entries (the counts still cover the whole topic)',
      positiveInteger,
    )
    .addHelpText('after', LIST_EXAMPLES)
    .action(
      context.action(async (flags: { reason?: string; limit?: number }) => list(context, flags)),
    );

  withCommonFlags(dlq.command('replay'))
    .description('re-produce dead-lettered events to their original topics, each once')
    .addOption(reasonOption())
    .option('--dry-run', 'show what would be replayed; produce and remember nothing')
    .addHelpText('after', REPLAY_EXAMPLES)
    .action(
      context.action(async (flags: { reason?: string; dryRun?: boolean }) =>
        replay(context, flags),
      ),
    );

  return dlq;
}

async function list(
  context: DlqContext,
  flags: { reason?: string; limit?: number },
): Promise<CommandOutcome> {
  const listing = await listDeadLetters({
    kafka: context.kafka(),
    topic: context.config().DLQ_TOPIC,
    reason: flags.reason,
    limit: flags.limit,
  });
  return {
    reason: 'ok',
    text: formatListing(listing).join('\n'),
    json: { command: 'dlq list', ...listing },
  };
}

async function replay(
  context: DlqContext,
  flags: { reason?: string; dryRun?: boolean },
): Promise<CommandOutcome> {
  const config = context.config();
  const report = await replayDeadLetters({
    kafka: context.kafka(),
    topic: config.DLQ_TOPIC,
    topics: context.topics(),
    redis: await context.redis(),
    namespace: config.REDIS_NAMESPACE,
    group: config.KAFKA_GROUP_ID,
    reason: flags.reason,
    dryRun: flags.dryRun === true,
    confirm: (plan) => context.confirm(`Replay ${describePlan(plan)} from ${config.DLQ_TOPIC}?`),
  });
  return {
    reason: 'ok',
    text: formatReplay(report).join('\n'),
    json: { command: 'dlq replay', ...report },
  };
}

function reasonOption(): Option {
  return new Option('--reason <reason>', 'only entries with this rejection reason').choices(
    REJECTION_REASONS,
  );
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return parsed;
}

/** `3 dead-lettered events (cart-events 2, shipping-events 1)`. */
function describePlan(plan: ReplayPlan): string {
  const perTopic = new Map<string, number>();
  for (const { entry } of plan.replay)
    perTopic.set(entry.original.topic, (perTopic.get(entry.original.topic) ?? 0) + 1);
  const topics = [...perTopic].map(([topic, count]) => `${topic} ${count}`).join(', ');
  return `${plan.replay.length} dead-lettered event${plan.replay.length === 1 ? '' : 's'} (${topics})`;
}
