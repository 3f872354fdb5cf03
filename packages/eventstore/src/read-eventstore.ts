import {
  DEFAULT_BACKOFF,
  isRetryable,
  retryTransient,
  type BackoffOptions,
  type SourceRecord,
} from '@checkout/engine';
import {
  FORWARDS,
  START,
  type AllStreamResolvedEvent,
  type Position,
  type ReadAllOptions,
} from '@kurrent/kurrentdb-client';
import { eventStoreError } from './eventstore-errors.ts';
import {
  mapArchivedEvent,
  type ArchiveMappingOptions,
  type UnmappableEvent,
} from './eventstore-mapping.ts';

/** The one client call the reader needs; a `KurrentDBClient` is one. */
export interface AllEventsReader {
  readAll(options: ReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
}

export interface ReadEventStoreOptions extends ArchiveMappingOptions {
  /** Events read per request (and at most per batch). @default 500 */
  pageSize?: number;
  /** Where to start in `$all`, inclusive (a position from an earlier batch). @default the start */
  fromPosition?: Position;
  /** Backoff between retries of a page while the server is unreachable. @default DEFAULT_BACKOFF */
  backoff?: BackoffOptions;
  /** Abort to stop: no page is requested after it, and a page being retried gives up. */
  signal?: AbortSignal;
  /** Before each retry of a page (logs, progress). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** One page of `$all`, mapped. */
export interface EventStoreBatch {
  /** The archived checkout records of the page, in `$all` order (per partition: offset order). */
  records: SourceRecord[];
  unmappable: UnmappableEvent[];
  skipped: { system: number; foreign: number; filtered: number };
  /** ESDB events in the page, whatever became of them. */
  read: number;
  /** `$all` position of the page's last event: resume from here (it is skipped on resume). */
  position: Position;
}

/**
 * Reads `$all` forwards from the start (or `fromPosition`) to its current end, in pages, and
 * yields each page mapped to engine records (eventstore-mapping.ts).
 *
 * Why `$all` with a client-side filter: a server-side filter on `readAll` (which the 1.x
 * client offers) is answered by 23.10+ servers only, and a subscription's "caught up" signal
 * needs 23.10+ too, while a paged `readAll` ends cleanly on every server from 20.6 on. System and foreign events cost a read
 * but are counted, never silently lost. Reading per stream would need the by-category system
 * projection and would lose the archive's global order.
 *
 * A page is buffered (at most `pageSize` events) before it is yielded, so a failed request is
 * retried from the page's start without yielding anything twice. Retryable failures (server
 * down, leader change, deadline) are retried with capped jittered backoff until `signal`
 * aborts; others reject as an EngineError.
 */
export async function* readEventStore(
  reader: AllEventsReader,
  options: ReadEventStoreOptions,
): AsyncGenerator<EventStoreBatch> {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1)
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  let from: Position | undefined = options.fromPosition;
  /** The last event already yielded: a read from its position starts with it again. */
  let seen: Position | undefined;

  for (;;) {
    if (options.signal?.aborted) return;
    const requested = seen === undefined ? pageSize : pageSize + 1;
    const start = from;
    const events = await retryTransient(() => readPage(reader, start, requested), {
      isRetryable,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
    });
    const boundary = seen;
    const fresh =
      boundary === undefined
        ? events
        : events.filter(({ position }) => !samePosition(position, boundary));
    const last = fresh.at(-1);
    if (last === undefined) return;
    yield mapPage(fresh, options, last.position);
    if (events.length < requested) return;
    from = last.position;
    seen = last.position;
  }
}

interface PagedEvent {
  resolved: AllStreamResolvedEvent;
  position: Position;
}

async function readPage(
  reader: AllEventsReader,
  from: Position | undefined,
  maxCount: number,
): Promise<PagedEvent[]> {
  const events: PagedEvent[] = [];
  try {
    const stream = reader.readAll({
      direction: FORWARDS,
      fromPosition: from ?? START,
      maxCount,
      resolveLinkTos: false,
    });
    for await (const resolved of stream) {
      const position = resolved.event?.position ?? resolved.link?.position;
      if (position === undefined) throw new Error('an event of $all came without its position');
      events.push({ resolved, position });
    }
  } catch (error) {
    throw eventStoreError(
      `reading $all from ${from === undefined ? 'the start' : describePosition(from)}`,
      error,
    );
  }
  return events;
}

function mapPage(
  events: readonly PagedEvent[],
  options: ArchiveMappingOptions,
  position: Position,
): EventStoreBatch {
  const batch: EventStoreBatch = {
    records: [],
    unmappable: [],
    skipped: { system: 0, foreign: 0, filtered: 0 },
    read: events.length,
    position,
  };
  for (const { resolved } of events) {
    // With resolveLinkTos off every entry carries its own event; a bare link is system data.
    if (resolved.event === undefined) {
      batch.skipped.system += 1;
      continue;
    }
    const mapped = mapArchivedEvent(resolved.event, options);
    if (mapped.kind === 'record') batch.records.push(mapped.record);
    else if (mapped.kind === 'unmappable') batch.unmappable.push(mapped.event);
    else batch.skipped[mapped.why] += 1;
  }
  return batch;
}

function samePosition(a: Position, b: Position): boolean {
  return a.commit === b.commit && a.prepare === b.prepare;
}

/** `C:<commit>/P:<prepare>`, the way EventStoreDB's UI shows a `$all` position. */
export function describePosition(position: Position): string {
  return `C:${position.commit}/P:${position.prepare}`;
}
