import type { CommandOutcome } from '../cli-context.ts';
import { formatCount, formatDuration } from '../output/format.ts';
import { generationName } from '../redis-client.ts';
import type { ArchivePrefill } from '../replay/archive-prefill.ts';
import type { ChangelogPrefill } from '../replay/changelog-prefill.ts';
import type { PartitionPlan } from '../replay/catch-up.ts';
import type { ReplayResult } from '../replay/run-replay.ts';
import { partitionRows } from './mode-support.ts';

/** What a switched blue/green rebuild reports. */
export function blueGreenReport(run: {
  from: string;
  generation: string | null;
  live: string | null;
  attempts: number;
  switchedAt: string;
  result: ReplayResult;
  plans: readonly PartitionPlan[];
  archived: ArchivePrefill | undefined;
  restored?: ChangelogPrefill | undefined;
  deadLetters: number;
  /** Dead letters the topic already held (the live projector's), not published again. */
  deadLettersAlreadyPublished: number;
}): CommandOutcome {
  const { summary, positions, durationMs } = run.result;
  const name = generationName(run.generation);
  const previous = generationName(run.live);
  const archive = run.archived;
  const restored = run.restored;
  const text = [
    `Generation ${name} is live: rebuilt from ${run.from}, readers switched from generation ${previous} at ${run.switchedAt}.`,
    ...(archive === undefined
      ? []
      : [
          `  ${formatCount(archive.summary.events)} archived events first (${formatCount(archive.summary.events_per_second)} events/s; ` +
            `${formatCount(archive.archive.unmappable.count)} unmappable), then from Kafka:`,
        ]),
    ...(restored === undefined
      ? []
      : [
          `  ${formatCount(restored.sessions)} snapshots restored from the changelog in ${formatDuration(restored.durationMs)} ` +
            `(${restored.markers} partitions resumed from their marker), then from Kafka:`,
        ]),
    `  ${formatCount(summary.events)} events replayed in ${formatDuration(summary.active_ms)} ` +
      `(${formatCount(summary.events_per_second)} events/s; ${formatDuration(durationMs)} in all), ` +
      `${formatCount(summary.outcomes.dead_lettered)} dead-lettered.`,
    `  Switched on attempt ${run.attempts}; the live projector continues on generation ${name} from its checkpoints.`,
    `  Generation ${previous} is kept for rollback: checkout-rebuild generations activate ${previous}`,
    ...(run.live === null
      ? []
      : [`  Drop it once you are sure: checkout-rebuild generations drop ${previous}`]),
  ];
  return {
    reason: 'ok',
    text: text.join('\n'),
    json: {
      command: 'rebuild',
      mode: 'blue-green',
      from: run.from,
      generation: name,
      replaced: previous,
      switched: true,
      switched_at: run.switchedAt,
      switch_attempts: run.attempts,
      ...(restored === undefined
        ? {}
        : {
            changelog: {
              sessions: restored.sessions,
              records: restored.records,
              writes: restored.writes,
              markers: restored.markers,
              seconds: Math.round(restored.durationMs) / 1000,
            },
          }),
      ...(archive === undefined
        ? {}
        : {
            archive: {
              ...archive.archive,
              events: archive.summary.events,
              events_per_second: archive.summary.events_per_second,
            },
          }),
      events: summary.events,
      events_per_second: summary.events_per_second,
      active_ms: summary.active_ms,
      duration_ms: Math.round(durationMs),
      outcomes: summary.outcomes,
      reasons: summary.reasons,
      dead_letters_published: run.deadLetters,
      dead_letters_already_published: run.deadLettersAlreadyPublished,
      write_conflicts: summary.write_conflicts,
      partitions: partitionRows(run.plans, positions),
    },
  };
}
