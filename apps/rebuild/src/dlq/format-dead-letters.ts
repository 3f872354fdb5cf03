import type { DeadLetterListing } from './list-dead-letters.ts';
import type { ReplayReport } from './replay-dead-letters.ts';

/** Human output of `dlq list`: one line per entry, then the counts. */
export function formatListing(listing: DeadLetterListing): string[] {
  if (!listing.exists)
    return [`No dead-letter topic ${listing.topic} yet: nothing was dead-lettered.`];
  const lines = listing.entries.map(
    (entry) =>
      `${entry.reason.padEnd(17)} ${entry.original.topic}[${entry.original.partition}]@${entry.original.offset}  ` +
      `${entry.event_name ?? '-'} ${entry.event_id ?? '-'}  (dlq ${entry.dlq.partition}:${entry.dlq.offset})  ${entry.message}`,
  );
  for (const { dlq, problem } of listing.unreadable)
    lines.push(`${'unreadable'.padEnd(17)} (dlq ${dlq.partition}:${dlq.offset})  ${problem}`);
  const filter = listing.reason === null ? '' : ` with reason ${listing.reason}`;
  const shown =
    listing.entries.length < listing.matched ? `, ${listing.entries.length} shown (--limit)` : '';
  lines.push(
    `${listing.matched} of ${listing.total} dead letters in ${listing.topic}${filter}${shown}.`,
  );
  lines.push(
    `By reason: ${describeCounts(listing.by_reason)}${listing.duplicates > 0 ? `; ${listing.duplicates} repeated entries not counted` : ''}${listing.unreadable.length > 0 ? `; unreadable ${listing.unreadable.length}` : ''}.`,
  );
  return lines;
}

/** Human output of `dlq replay`: one line per selected entry, then the counts. */
export function formatReplay(report: ReplayReport): string[] {
  const lines = report.entries.map(
    (entry) =>
      `${entry.outcome.padEnd(18)} ${entry.original.topic}[${entry.original.partition}]@${entry.original.offset}  ` +
      `${entry.reason} ${entry.event_name ?? '-'} ${entry.event_id ?? '-'}  (dlq ${entry.dlq.partition}:${entry.dlq.offset})`,
  );
  const done = report.dry_run
    ? `Dry run: would replay ${report.would_replay}`
    : `Replayed ${report.replayed}`;
  const filter = report.reason === null ? '' : ` with reason ${report.reason}`;
  lines.push(
    `${done} of ${report.matched} dead letters${filter} from ${report.topic}; skipped: ${describeCounts(report.skipped)}` +
      `${report.unreadable > 0 ? `; unreadable (never replayed): ${report.unreadable}` : ''}.`,
  );
  return lines;
}

function describeCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${count}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}
