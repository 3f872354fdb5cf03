import { isDeepStrictEqual } from 'node:util';
import { comparableView, decodeSnapshot, DEFAULT_DOMAIN_CONFIG } from '@checkout/domain';
import {
  foldBatch,
  parseBatch,
  type DeadLetterEntry,
  type SourceRecord,
  type TopicNames,
} from '@checkout/engine';
import {
  readSnapshotTexts,
  snapshotSessionPages,
  standaloneLayout,
  type KeyLayout,
  type RedisConnection,
} from '@checkout/redis';

export interface FoldComparison {
  sessions: number;
  sessionIds: string[];
  events: number;
  /** Sessions whose stored snapshot differs from the pure fold (or is missing). */
  mismatches: string[];
  /** The first mismatch, stored vs expected, for the failure message. */
  firstDifference: { sessionId: string; stored: unknown; expected: unknown } | null;
  /** Snapshot keys stored for sessions the fold does not know. */
  unexpectedKeys: string[];
  expectedDeadLetters: DeadLetterEntry[];
}

/**
 * Folds `records` purely (one batch, nothing loaded) and compares every session with what
 * Redis holds under `namespace` (and `generation`). `comparableView` leaves out the recent-id
 * window, whose contents depend on arrival order across topics.
 */
export async function compareWithFold(
  redis: RedisConnection,
  records: readonly SourceRecord[],
  topics: TopicNames,
  options: { namespace: string; layout?: KeyLayout; generation?: string | null },
): Promise<FoldComparison> {
  const expected = foldBatch(
    parseBatch(records, topics, DEFAULT_DOMAIN_CONFIG),
    new Map(),
    topics,
    DEFAULT_DOMAIN_CONFIG,
  );
  const layout = options.layout ?? standaloneLayout(options.namespace);
  const generation = options.generation ?? null;
  const mismatches: string[] = [];
  let firstDifference: FoldComparison['firstDifference'] = null;
  const chunk = 500;
  for (let start = 0; start < expected.snapshots.length; start += chunk) {
    const slice = expected.snapshots.slice(start, start + chunk);
    const documents = await readSnapshotTexts(
      redis,
      layout,
      generation,
      slice.map((snapshot) => snapshot.sessionId),
    );
    slice.forEach((snapshot, index) => {
      const document = documents[index];
      const decoded = document == null ? undefined : decodeSnapshot(document);
      if (
        decoded === undefined ||
        !decoded.ok ||
        !isDeepStrictEqual(comparableView(decoded.value), comparableView(snapshot.order))
      ) {
        mismatches.push(snapshot.sessionId);
        firstDifference ??= {
          sessionId: snapshot.sessionId,
          stored: decoded?.ok ? comparableView(decoded.value) : (document ?? null),
          expected: comparableView(snapshot.order),
        };
      }
    });
  }
  const known = new Set(expected.snapshots.map((snapshot) => snapshot.sessionId));
  const unexpectedKeys: string[] = [];
  for await (const page of snapshotSessionPages(redis, layout, generation)) {
    for (const id of page) {
      if (!known.has(id))
        unexpectedKeys.push(layout.keys(layout.shardOfSession(id), generation).snapshot(id));
    }
  }
  const events = expected.snapshots.reduce(
    (sum, snapshot) => sum + snapshot.order.meta.event_count,
    0,
  );
  return {
    sessions: expected.snapshots.length,
    sessionIds: expected.snapshots.map((snapshot) => snapshot.sessionId),
    events,
    mismatches,
    firstDifference,
    unexpectedKeys,
    expectedDeadLetters: expected.deadLetters,
  };
}
