import { FOLD_VERSION } from '@checkout/domain';
import type { GenerationRecord } from '@checkout/redis';
import { checkFoldVersion, type FoldVersionCheck } from './fold-version-check.ts';
import type { Registry } from 'prom-client';
import type { LastProblem, Problem } from './last-problem.ts';
import type { Readiness } from './readiness.ts';

/** One partition this member works on, as `/status` shows it. */
export interface PartitionStatus {
  topic: string;
  partition: number;
  /** Next offset to process (the stored checkpoint once a batch is stored). */
  checkpoint: string;
  highWatermark: string;
  lag: number;
  /** Event-time lag (consumer-lag.ts); null until a batch was fetched. */
  lagSeconds: number | null;
  /** The halt reason (history_truncated, …), or null while it runs. */
  halted: string | null;
}

/** The generations in Redis, as `readGenerationRecords` reads them. */
export interface GenerationsView {
  active: string | null;
  generations: readonly GenerationRecord[];
}

export interface RebuildStatus {
  id: string;
  from: string;
  startedAt: string;
  heartbeatAt: string;
  /** Records of this member's partitions the rebuild has stored, of their high watermarks. */
  stored: number;
  target: number;
}

export interface StatusReport {
  generatedAt: string;
  source: string;
  store: string;
  group: string;
  ready: boolean;
  notReady: { component: string; reason: string }[];
  /** Why /healthz answers 500, or null. */
  stopped: string | null;
  /** Why answers may be stale (a replay after the store lost data), or null. */
  stale: string | null;
  partitions: PartitionStatus[];
  /** The active generation (`base` for the unprefixed keys), or why it could not be read. */
  generation:
    | { ok: true; active: string; fold: FoldVersionCheck; rebuilds: RebuildStatus[] }
    | { ok: false; error: string };
  /** The fold version this projector folds with (FOLD_VERSION). */
  foldVersion: number;
  /** Records dead-lettered since this process started, by reason. */
  deadLetters: { reason: string; count: number }[];
  lastProblem: Problem | null;
}

export interface StatusSources {
  source: string;
  store: string;
  group: string;
  readiness: Readiness;
  liveness: () => string | null;
  staleness: () => string | null;
  partitions: () => PartitionStatus[];
  generations: () => Promise<GenerationsView>;
  /** The checkpoint field (`"<logical topic>:<partition>"`) of a physical topic-partition. */
  checkpointField: (topic: string, partition: number) => string | undefined;
  registry: Registry;
  lastProblem: LastProblem;
  /** @default () => new Date() */
  now?: () => Date;
}

/** Everything `/status` shows, gathered at request time from what the projector holds. */
export async function collectStatus(sources: StatusSources): Promise<StatusReport> {
  const readiness = sources.readiness.report();
  const partitions = sources.partitions();
  return {
    generatedAt: (sources.now?.() ?? new Date()).toISOString(),
    source: sources.source,
    store: sources.store,
    group: sources.group,
    ready: readiness.ready,
    notReady: Object.entries(readiness.components)
      .filter(([, state]) => !state.ready)
      .map(([component, state]) => ({ component, reason: state.reason ?? 'not ready' })),
    stopped: sources.liveness(),
    stale: sources.staleness(),
    partitions,
    generation: await generationStatus(sources, partitions),
    foldVersion: FOLD_VERSION,
    deadLetters: await deadLettersByReason(sources.registry),
    lastProblem: sources.lastProblem.current(),
  };
}

async function generationStatus(
  sources: StatusSources,
  partitions: readonly PartitionStatus[],
): Promise<StatusReport['generation']> {
  let view: GenerationsView;
  try {
    view = await answerWithin(GENERATIONS_TIMEOUT_MS, sources.generations);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const rebuilds = view.generations
    .filter(({ id, info }) => id !== view.active && info.state === 'building')
    .map((generation) => rebuildStatus(generation, partitions, sources.checkpointField));
  return { ok: true, active: view.active ?? 'base', fold: checkFoldVersion(view), rebuilds };
}

/**
 * The page is wanted most when Redis is unwell: it waits this long for the generations (the
 * client's own command timeout is 5 s) and shows the rest without them.
 */
const GENERATIONS_TIMEOUT_MS = 1000;

async function answerWithin<T>(timeoutMs: number, read: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the store did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([read(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function rebuildStatus(
  { id, info, checkpoints }: GenerationRecord,
  partitions: readonly PartitionStatus[],
  checkpointField: StatusSources['checkpointField'],
): RebuildStatus {
  let stored = 0;
  let target = 0;
  for (const { topic, partition, highWatermark } of partitions) {
    const field = checkpointField(topic, partition);
    const high = Number(highWatermark);
    target += high;
    stored += Math.min(Number(field === undefined ? 0 : (checkpoints[field] ?? 0)), high);
  }
  return {
    id,
    from: info.from ?? '',
    startedAt: info.created_at ?? '',
    heartbeatAt: info.heartbeat_at ?? '',
    stored,
    target,
  };
}

async function deadLettersByReason(registry: Registry): Promise<StatusReport['deadLetters']> {
  const events = await registry.getSingleMetric('checkout_events_total')?.get();
  const counts = new Map<string, number>();
  for (const { labels, value } of events?.values ?? []) {
    if (labels.outcome !== 'dead_lettered') continue;
    const reason = String(labels.reason ?? '');
    counts.set(reason, (counts.get(reason) ?? 0) + value);
  }
  return [...counts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => a.reason.localeCompare(b.reason));
}
