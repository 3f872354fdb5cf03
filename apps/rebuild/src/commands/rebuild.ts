import type { CliContext, CommandOutcome } from '../cli-context.ts';
import { usageError } from '../cli-error.ts';
import { blueGreenRebuild } from '../modes/blue-green.ts';
import { dryRunReplay } from '../modes/dry-run.ts';
import { recoverFromSnapshot } from '../modes/recovery.ts';
import { rebuildSession } from '../modes/session.ts';
import { verifyAgainstLive } from '../modes/verify.ts';
import { planRebuild, type RebuildFlags } from '../rebuild-plan.ts';

/** `--from-changelog` needs the topic the projector publishes to. */
function changelogTopic(context: CliContext): string {
  const topic = context.config().SNAPSHOT_CHANGELOG_TOPIC;
  if (topic === undefined) {
    throw usageError(
      '--from-changelog reads the snapshot changelog: set SNAPSHOT_CHANGELOG_TOPIC to the topic the projector publishes to.',
    );
  }
  return topic;
}

/** The root command: validates the flags, then runs the mode they name. */
export async function rebuild(context: CliContext, flags: RebuildFlags): Promise<CommandOutcome> {
  const planned = planRebuild(flags);
  if (!planned.ok) throw usageError(planned.error);
  const plan = planned.value;
  switch (plan.mode) {
    case 'from-offset':
      return plan.dryRun
        ? dryRunReplay(context, plan)
        : blueGreenRebuild(
            context,
            { kind: 'new', start: plan.start },
            {
              fetchBytes: plan.fetchBytes,
              changelog:
                plan.source === 'changelog' ? { topic: changelogTopic(context) } : undefined,
            },
          );
    case 'from-snapshot':
      return recoverFromSnapshot(context, plan);
    case 'session':
      return rebuildSession(context, plan);
    case 'verify':
      return verifyAgainstLive(context, plan);
    default:
      return plan satisfies never;
  }
}
