import {
  applyEvent,
  initialCheckoutOrder,
  parseCheckoutEvent,
  sessionIdOf,
  type CheckoutEvent,
  type CheckoutOrder,
  type DomainConfig,
  type Rejection,
  withHistoryIncomplete,
} from '@checkout/domain';
import { deadLetterEntry } from './dead-letter.ts';
import type { OutcomeCount, RecordOutcome } from './observer.ts';
import type { DeadLetterEntry } from './ports/dead-letter-sink.ts';
import type { LoadedSnapshots, SnapshotWrite, StoredSnapshot } from './ports/projection-store.ts';
import type { SourceRecord } from './ports/source-record.ts';
import type { TopicNames } from './topic-names.ts';

/**
 * The pure half of a batch: decide what to write. No I/O here, so it is unit-tested with
 * plain data; projection-engine.ts loads, calls this, and writes.
 */
export type ParsedRecord =
  | { kind: 'event'; record: SourceRecord; event: CheckoutEvent; sessionId: string }
  | { kind: 'ignored'; record: SourceRecord; eventName: string }
  | {
      kind: 'rejected';
      record: SourceRecord;
      rejection: Rejection;
      envelope: EnvelopeHint | undefined;
    };

type EnvelopeHint = { event_id?: string; event_name?: string; correlation_id?: string | undefined };

export interface ParsedBatch {
  records: readonly ParsedRecord[];
  sessionIds: readonly string[];
}

export function parseBatch(
  records: readonly SourceRecord[],
  topics: TopicNames,
  config: DomainConfig,
): ParsedBatch {
  const parsed: ParsedRecord[] = [];
  const sessionIds = new Set<string>();
  for (const record of records) {
    const item = parseRecord(record, topics, config);
    if (item.kind === 'event') sessionIds.add(item.sessionId);
    parsed.push(item);
  }
  return { records: parsed, sessionIds: [...sessionIds] };
}

function parseRecord(record: SourceRecord, topics: TopicNames, config: DomainConfig): ParsedRecord {
  const logicalTopic = topics.toLogical(record.topic);
  if (logicalTopic === undefined) {
    const rejection: Rejection = {
      reason: 'topic_mismatch',
      message: `topic ${record.topic} is not a checkout topic`,
    };
    return { kind: 'rejected', record, rejection, envelope: undefined };
  }
  if (record.value === null) {
    const rejection: Rejection = {
      reason: 'invalid_json',
      message: 'record has no value (tombstone)',
    };
    return { kind: 'rejected', record, rejection, envelope: undefined };
  }
  const result = parseCheckoutEvent(record.value, logicalTopic, config);
  if (!result.ok)
    return {
      kind: 'rejected',
      record,
      rejection: result.error,
      envelope: envelopeHint(record.value),
    };
  if (result.value.kind === 'ignored')
    return { kind: 'ignored', record, eventName: result.value.envelope.event_name };
  const event = result.value.event;
  const sessionId = sessionIdOf(event);
  if (record.key === null || record.key.toString('utf8') !== sessionId) {
    return { kind: 'rejected', record, rejection: KEY_MISMATCH, envelope: event };
  }
  return { kind: 'event', record, event, sessionId };
}

/**
 * SPEC §2: the key is the session id, which is what puts a session's events of every topic on
 * one partition number. A record keyed otherwise may sit on another partition than its
 * session's other events, where the order across topics no longer holds. The message names
 * neither value: the entry carries both (its key and its value).
 */
const KEY_MISMATCH: Rejection = {
  reason: 'key_mismatch',
  message:
    "the message key is not the event's session id (payload.session_id or cart_id, else aggregate_id); " +
    'such a record may sit on another partition than its session, so it is not folded',
};

/** Best effort: name the event in the dead-letter entry when its JSON is readable at all. */
function envelopeHint(value: Buffer): EnvelopeHint | undefined {
  try {
    const json: unknown = JSON.parse(value.toString('utf8'));
    if (typeof json !== 'object' || json === null) return undefined;
    const { event_id, event_name, correlation_id } = json as Record<string, unknown>;
    return {
      ...(typeof event_id === 'string' ? { event_id } : {}),
      ...(typeof event_name === 'string' ? { event_name } : {}),
      ...(typeof correlation_id === 'string' ? { correlation_id } : {}),
    };
  } catch {
    return undefined;
  }
}

export interface FoldedBatch {
  snapshots: SnapshotWrite[];
  deadLetters: DeadLetterEntry[];
  outcomes: OutcomeCount[];
  /** Sessions written onto lost history (`LoadedSnapshots.historyGone`), marked as such. */
  historyIncomplete: string[];
}

/** A session being folded: where it started from, and what it holds now. */
export interface WorkingSession {
  order: CheckoutOrder;
  /** The guard value: the stored version it was folded onto; 0 when absent. */
  expectedVersion: number;
  /** Something was applied since it was loaded. */
  changed: boolean;
  /**
   * About the bytes of its document: the stored one's, plus the value of every record applied
   * since. What a working set's byte budget counts (an estimate: decoding costs more).
   */
  bytes: number;
  /** Kept from this engine's own write (kept-sessions.ts): that write's mark, its guard. */
  mark?: string;
}

/** What folding records onto working sessions produced, besides the sessions' new state. */
export interface FoldedRecords {
  deadLetters: DeadLetterEntry[];
  outcomes: OutcomeCount[];
}

/**
 * Folds the parsed records, in order, onto the loaded snapshots. `store` says which of the
 * absent sessions lost their snapshot and which stored ones cannot be read
 * (`LoadedSnapshots.historyGone`, `.unreadable`).
 */
export function foldBatch(
  batch: ParsedBatch,
  loaded: ReadonlyMap<string, StoredSnapshot>,
  topics: TopicNames,
  config: DomainConfig,
  store: Pick<LoadedSnapshots, 'historyGone' | 'unreadable'> = {},
): FoldedBatch {
  const historyGone = store.historyGone ?? NOTHING_GONE;
  const working = new Map<string, WorkingSession>();
  const sessionOf = (sessionId: string) => {
    let session = working.get(sessionId);
    if (session === undefined) {
      session = startingPoint(loaded.get(sessionId), historyGone.has(sessionId), sessionId, config);
      working.set(sessionId, session);
    }
    return session;
  };
  const { deadLetters, outcomes } = foldInto(batch, sessionOf, topics, store.unreadable);
  const snapshots: SnapshotWrite[] = [];
  const historyIncomplete: string[] = [];
  for (const [sessionId, session] of working) {
    if (!session.changed) continue;
    snapshots.push({ sessionId, order: session.order, expectedVersion: session.expectedVersion });
    if (session.expectedVersion === 0 && historyGone.has(sessionId))
      historyIncomplete.push(sessionId);
  }
  return { snapshots, deadLetters, outcomes, historyIncomplete };
}

/**
 * Folds the parsed records, in order, onto the sessions `sessionOf` hands out (it creates
 * them on first use), changing those sessions in place: the engine's waves fold many batches
 * onto one set of working sessions this way. Records of `unreadable` sessions are parked.
 */
export function foldInto(
  batch: ParsedBatch,
  sessionOf: (sessionId: string) => WorkingSession,
  topics: TopicNames,
  unreadable?: ReadonlyMap<string, string>,
): FoldedRecords {
  const deadLetters: DeadLetterEntry[] = [];
  const tally = new OutcomeTally();

  for (const item of batch.records) {
    const topic = item.record.topic;
    if (item.kind === 'ignored') {
      tally.add(topic, item.eventName, 'ignored', null);
      continue;
    }
    if (item.kind === 'rejected') {
      deadLetters.push(deadLetterEntry(item.record, item.rejection, item.envelope));
      tally.add(
        topic,
        item.envelope?.event_name ?? 'unknown',
        'dead_lettered',
        item.rejection.reason,
      );
      continue;
    }
    const unreadableMessage = unreadable?.get(item.sessionId);
    if (unreadableMessage !== undefined) {
      const parked = { reason: 'snapshot_unreadable' as const, message: unreadableMessage };
      deadLetters.push(deadLetterEntry(item.record, parked, item.event));
      tally.add(topic, item.event.event_name, 'dead_lettered', parked.reason);
      continue;
    }
    const session = sessionOf(item.sessionId);
    const logicalTopic = topics.toLogical(topic);
    if (logicalTopic === undefined)
      throw new Error(`bug: event from non-checkout topic ${topic} reached the fold`);
    const position = {
      topic: logicalTopic,
      partition: item.record.partition,
      offset: item.record.offset,
    };
    const outcome = applyEvent(session.order, item.event, position);
    switch (outcome.status) {
      case 'applied':
        session.order = outcome.order;
        session.changed = true;
        session.bytes += item.record.value?.length ?? 0;
        tally.add(topic, item.event.event_name, 'applied', null);
        break;
      case 'skipped':
        tally.add(topic, item.event.event_name, 'skipped', outcome.reason);
        break;
      case 'rejected':
        deadLetters.push(deadLetterEntry(item.record, outcome.rejection, item.event));
        tally.add(topic, item.event.event_name, 'dead_lettered', outcome.rejection.reason);
        break;
      default:
        outcome satisfies never;
    }
  }
  return { deadLetters, outcomes: tally.toArray() };
}

const NOTHING_GONE: ReadonlySet<string> = new Set();

/**
 * Bytes counted for a session with no stored document: an empty order encodes to about this
 * much, and the budget must not see a new session as free.
 */
const NEW_SESSION_BYTES = 1024;

/** The stored snapshot; else an empty order, marked when the store lost the session's history. */
export function startingPoint(
  stored: StoredSnapshot | undefined,
  historyGone: boolean,
  sessionId: string,
  config: DomainConfig,
): WorkingSession {
  if (stored)
    return {
      order: stored.order,
      expectedVersion: stored.version,
      changed: false,
      bytes: stored.bytes ?? NEW_SESSION_BYTES,
    };
  const empty = initialCheckoutOrder(sessionId, config);
  return {
    order: historyGone ? withHistoryIncomplete(empty) : empty,
    expectedVersion: 0,
    changed: false,
    bytes: NEW_SESSION_BYTES,
  };
}

/**
 * Counts per topic, event name, outcome and reason. Called for every record, so it finds its
 * counter through two lookups on strings the record already holds, not through a key string
 * built per record.
 */
class OutcomeTally {
  private readonly byTopic = new Map<string, Map<string, OutcomeCount[]>>();

  add(topic: string, eventName: string, outcome: RecordOutcome, reason: string | null): void {
    let byName = this.byTopic.get(topic);
    if (byName === undefined) this.byTopic.set(topic, (byName = new Map()));
    let counts = byName.get(eventName);
    if (counts === undefined) byName.set(eventName, (counts = []));
    const entry = counts.find((count) => count.outcome === outcome && count.reason === reason);
    if (entry) entry.count += 1;
    else counts.push({ topic, eventName, outcome, reason, count: 1 });
  }

  toArray(): OutcomeCount[] {
    return [...this.byTopic.values()].flatMap((byName) => [...byName.values()].flat());
  }
}
