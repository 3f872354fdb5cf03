import { parseTopicPartitionKey } from '@checkout/engine';
import cliProgress from 'cli-progress';
import { formatDuration, formatCount } from './format.ts';

/** What a long run reports a few times a second. */
export interface ProgressSnapshot {
  /** e.g. `replaying`, `waiting for the live projector`, `comparing`. */
  phase: string;
  /** Records replayed and to replay (from the start positions to the high watermarks). */
  done: number;
  total: number;
  eventsPerSecond: number;
  partitions: ReadonlyArray<{
    field: string;
    done: number;
    total: number;
    position: string;
    high: string;
  }>;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  stop(): void;
}

/** Up to this many partitions get a bar each; beyond, one bar per topic. */
const MAX_PARTITION_BARS = 24;
const LINE_INTERVAL_MS = 10_000;

/**
 * `bars` on a TTY (cli-progress: a total with events/s and ETA, and one bar per partition),
 * `lines` elsewhere (a line every 10 s, for logs), `off` with --json. Always on stderr.
 */
export function createProgressReporter(options: {
  stream: NodeJS.WritableStream;
  mode: 'bars' | 'lines' | 'off';
  label: string;
}): ProgressReporter {
  if (options.mode === 'off') return { update() {}, stop() {} };
  if (options.mode === 'lines') return linesReporter(options.stream, options.label);
  return barsReporter(options.stream, options.label);
}

function barsReporter(stream: NodeJS.WritableStream, label: string): ProgressReporter {
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      format: (options, params, payload: Record<string, string>) => {
        const bar = bar20(params.progress, options);
        return payload['kind'] === 'total'
          ? `${label} ${bar} ${Math.floor(params.progress * 100)}% ${payload['counts']} | ${payload['rate']} ev/s | ETA ${payload['eta']} | ${payload['phase']}`
          : `  ${(payload['name'] ?? '').padEnd(22)} ${bar} ${payload['counts']}`;
      },
    },
    cliProgress.Presets.shades_classic,
  );
  let total: cliProgress.SingleBar | undefined;
  const rows = new Map<string, cliProgress.SingleBar>();
  return {
    update(snapshot) {
      total ??= multibar.create(1, 0, { kind: 'total' });
      total.setTotal(Math.max(snapshot.total, 1));
      total.update(snapshot.done, {
        kind: 'total',
        counts: `${formatCount(snapshot.done)}/${formatCount(snapshot.total)} events`,
        rate: formatCount(Math.round(snapshot.eventsPerSecond)),
        eta: eta(snapshot),
        phase: snapshot.phase,
      });
      for (const row of groupRows(snapshot)) {
        let bar = rows.get(row.name);
        if (bar === undefined) {
          bar = multibar.create(1, 0, { kind: 'partition', name: row.name });
          rows.set(row.name, bar);
        }
        bar.setTotal(Math.max(row.total, 1));
        bar.update(row.total === 0 ? 1 : row.done, {
          kind: 'partition',
          name: row.name,
          counts: row.counts,
        });
      }
    },
    stop() {
      multibar.stop();
    },
  };
}

function linesReporter(stream: NodeJS.WritableStream, label: string): ProgressReporter {
  let last = Date.now(); // a run shorter than the interval prints no progress at all
  return {
    update(snapshot) {
      const now = Date.now();
      if (now - last < LINE_INTERVAL_MS) return;
      last = now;
      const percent =
        snapshot.total === 0 ? 100 : Math.floor((snapshot.done / snapshot.total) * 100);
      stream.write(
        `[progress] ${label}: ${percent}% ${formatCount(snapshot.done)}/${formatCount(snapshot.total)} events, ` +
          `${formatCount(Math.round(snapshot.eventsPerSecond))} events/s, ETA ${eta(snapshot)} (${snapshot.phase})\n`,
      );
    },
    stop() {},
  };
}

function groupRows(
  snapshot: ProgressSnapshot,
): Array<{ name: string; done: number; total: number; counts: string }> {
  if (snapshot.partitions.length <= MAX_PARTITION_BARS) {
    return snapshot.partitions.map((p) => ({
      name: p.field,
      done: p.done,
      total: p.total,
      counts: `${p.position}/${p.high}`,
    }));
  }
  const topics = new Map<string, { done: number; total: number }>();
  for (const p of snapshot.partitions) {
    const topic = parseTopicPartitionKey(p.field)?.topic ?? p.field;
    const entry = topics.get(topic) ?? { done: 0, total: 0 };
    entry.done += p.done;
    entry.total += p.total;
    topics.set(topic, entry);
  }
  return [...topics].map(([name, { done, total }]) => ({
    name,
    done,
    total,
    counts: `${formatCount(done)}/${formatCount(total)}`,
  }));
}

function eta(snapshot: ProgressSnapshot): string {
  const remaining = snapshot.total - snapshot.done;
  if (remaining <= 0) return '0s';
  if (snapshot.eventsPerSecond <= 0) return '?';
  return formatDuration((remaining / snapshot.eventsPerSecond) * 1000);
}

function bar20(progress: number, options: cliProgress.Options): string {
  const size = 20;
  const complete = Math.round(Math.min(Math.max(progress, 0), 1) * size);
  return (
    (options.barCompleteChar ?? '#').repeat(complete) +
    (options.barIncompleteChar ?? '-').repeat(size - complete)
  );
}
