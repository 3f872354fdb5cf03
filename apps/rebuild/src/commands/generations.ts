import { activeGeneration, dropGeneration } from '@checkout/redis';
import type { Command } from 'commander';
import { withCommonFlags, type CliContext, type CommandOutcome } from '../cli-context.ts';
import { usageError } from '../cli-error.ts';
import { generationRole, HEARTBEAT_STALE_MS } from '../generations/generation-role.ts';
import { generationInfo, listGenerations } from '../generations/generation-registry.ts';
import { blueGreenRebuild } from '../modes/blue-green.ts';
import { formatCount, table } from '../output/format.ts';
import { parseFetchBytes } from '../rebuild-plan.ts';
import { generationName, parseGenerationName } from '../redis-client.ts';

/** `generations list|drop|activate`: the blue/green generations and their clean-up. */
export function registerGenerationCommands(program: Command, context: CliContext): void {
  const generations = program
    .command('generations')
    .description('list, drop or (re)activate generations of the projection');
  withCommonFlags(generations.command('list'))
    .description(
      'every generation with its role: active, building, previous (rollback target) or orphan',
    )
    .action(context.action(async () => list(context)));
  withCommonFlags(generations.command('drop'))
    .argument('<id>', 'generation id (see list)')
    .option('--force', 'drop a generation even though a rebuild seems to be writing it')
    .description('delete every key of a generation; refuses the active one')
    .action(
      context.action(async (id: string, flags: { force?: boolean }) =>
        drop(context, id, flags.force === true),
      ),
    );
  withCommonFlags(generations.command('activate'))
    .argument('<id>', 'generation id, or "base"')
    .option('--fetch-bytes <bytes>', 'Kafka fetch size per partition')
    .description(
      'catch a generation up from its own checkpoints, then switch readers to it (rollback, or resume a killed rebuild)',
    )
    .action(
      context.action(async (id: string, flags: { fetchBytes?: string }) => {
        const fetchBytes = parseFetchBytes(flags.fetchBytes);
        if (!fetchBytes.ok) throw usageError(fetchBytes.error);
        return blueGreenRebuild(
          context,
          { kind: 'existing', generation: parseGenerationName(id) },
          { fetchBytes: fetchBytes.value },
        );
      }),
    );
}

async function list(context: CliContext): Promise<CommandOutcome> {
  const config = context.config();
  const redis = await context.redis();
  const listed = await listGenerations(redis, await context.keyLayout(), config.KAFKA_GROUP_ID);
  const rows = listed.map(({ id, role, info }) => [
    id,
    role,
    info?.purpose ?? '',
    info?.state ?? '',
    info?.from ?? '',
    info?.replaces ?? '',
    info?.created_at ?? '',
    info?.switched_at ?? '',
    info === null ? '' : `${info.host}:${info.pid}`,
  ]);
  return {
    reason: 'ok',
    text: table([
      ['id', 'role', 'purpose', 'state', 'from', 'replaces', 'created', 'switched', 'by'],
      ...rows,
    ]),
    json: {
      command: 'generations list',
      generations: listed.map(({ id, role, info }) => ({ id, role, ...(info ?? {}) })),
    },
  };
}

async function drop(context: CliContext, id: string, force: boolean): Promise<CommandOutcome> {
  const redis = await context.redis();
  const layout = await context.keyLayout();
  const generation = parseGenerationName(id);
  if (generation === null)
    throw usageError('The base generation cannot be dropped (its keys have no generation prefix).');
  const active = await activeGeneration(redis, { layout });
  if (generation === active) {
    throw usageError(
      `Generation ${id} is the active one; readers read it. Switch to another generation first.`,
    );
  }
  const info = await generationInfo(redis, layout.namespace, generation);
  if (generationRole(info, false, Date.now()) === 'building' && !force) {
    throw usageError(
      `Generation ${id} is being written by a rebuild on ${info?.host}:${info?.pid} (heartbeat within ` +
        `${HEARTBEAT_STALE_MS / 1000} s). Stop it first, or pass --force.`,
    );
  }
  await context.confirm(
    `Drop generation ${id} (${info?.purpose ?? 'unknown purpose'}, ${info?.state ?? 'no info'}): delete all its keys.`,
  );
  const removed = await dropGeneration(redis, generation, { layout });
  return {
    reason: 'ok',
    text: `Dropped generation ${id}: ${formatCount(removed)} keys deleted. Readers still read generation ${generationName(active)}.`,
    json: {
      command: 'generations drop',
      generation: id,
      keys_removed: removed,
      active_generation: generationName(active),
    },
  };
}
