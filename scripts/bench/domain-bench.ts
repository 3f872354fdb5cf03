import {
  applyEvent,
  DEFAULT_DOMAIN_CONFIG,
  evolve,
  initialCheckoutOrder,
  parseCheckoutEvent,
  sessionIdOf,
  type CheckoutEvent,
  type CheckoutOrder,
  type CheckoutTopic,
} from '@checkout/domain';
import { createInMemoryProjectionStore } from '@checkout/embedded';
import { createProjectionEngine, topicNames, type SourceRecord } from '@checkout/engine';
import { generateStream } from '@checkout/generator';

/** Events per second of one pure operation, best of `rounds` timed passes after a warm-up. */
export interface DomainFigure {
  name: string;
  events: number;
  eventsPerSecond: number;
}

export interface DomainBenchOptions {
  seed: number;
  /** Records generated once and reused by every pass. */
  records: number;
  /** Timed passes; the best one is reported (the least disturbed by other processes). */
  rounds: number;
}

/**
 * (e) the pure domain on one core, in memory: parse + validate (message bytes as Kafka hands
 * them over), `evolve` alone, `applyEvent` (offset and event-id guards, then evolve), and the
 * engine's whole batch path against the in-memory store (parse, load, fold, encode, commit),
 * i.e. the projector without Kafka and Redis.
 */
export async function runDomainBench(options: DomainBenchOptions): Promise<DomainFigure[]> {
  const topics = topicNames('');
  const input = generatedInput(options.seed, options.records);
  const events = parsedEvents(input);

  const figures: DomainFigure[] = [];
  figures.push(
    timed('parse + validate', input.length, options.rounds, () => {
      let ok = 0;
      for (const { topic, value } of input) if (parseCheckoutEvent(value, topic).ok) ok += 1;
      return ok;
    }),
  );
  figures.push(
    timed('evolve', events.length, options.rounds, () => {
      const orders = new Map<string, CheckoutOrder>();
      for (const { sessionId, event } of events) {
        const order =
          orders.get(sessionId) ?? initialCheckoutOrder(sessionId, DEFAULT_DOMAIN_CONFIG);
        const next = evolve(order, event);
        orders.set(sessionId, next.ok ? next.value : order);
      }
      return orders.size;
    }),
  );
  figures.push(
    timed('applyEvent (guards + evolve)', events.length, options.rounds, () => {
      const orders = new Map<string, CheckoutOrder>();
      for (const { sessionId, event, position } of events) {
        const order =
          orders.get(sessionId) ?? initialCheckoutOrder(sessionId, DEFAULT_DOMAIN_CONFIG);
        const outcome = applyEvent(order, event, position);
        orders.set(sessionId, outcome.status === 'applied' ? outcome.order : order);
      }
      return orders.size;
    }),
  );
  figures.push(await engineInMemory(input, topics, options.rounds));
  return figures;
}

export interface InputRecord {
  topic: CheckoutTopic;
  partition: number;
  offset: number;
  key: Buffer;
  value: Buffer;
}

interface ParsedInput {
  sessionId: string;
  event: CheckoutEvent;
  position: { topic: CheckoutTopic; partition: number; offset: string };
}

const PARTITIONS = 3;

/** The generator's records as the source's bytes, spread over `partitions` partition numbers. */
export function generatedInput(
  seed: number,
  records: number,
  partitions = PARTITIONS,
): InputRecord[] {
  const input: InputRecord[] = [];
  const nextOffset = new Map<string, number>();
  for (const record of generateStream({ seed, records })) {
    // Any stable spread over partitions will do here; Kafka's murmur2 is not needed in memory.
    const partition = stringHash(record.key) % partitions;
    const field = `${record.topic}:${partition}`;
    const offset = nextOffset.get(field) ?? 0;
    nextOffset.set(field, offset + 1);
    input.push({
      topic: record.topic,
      partition,
      offset,
      key: Buffer.from(record.key),
      value: typeof record.value === 'string' ? Buffer.from(record.value) : record.value,
    });
  }
  return input;
}

function parsedEvents(input: readonly InputRecord[]): ParsedInput[] {
  const events: ParsedInput[] = [];
  for (const { topic, partition, offset, value } of input) {
    const parsed = parseCheckoutEvent(value, topic);
    if (!parsed.ok || parsed.value.kind !== 'event') continue;
    const event = parsed.value.event;
    events.push({
      sessionId: sessionIdOf(event),
      event,
      position: { topic, partition, offset: String(offset) },
    });
  }
  return events;
}

/** The engine's batch path with the in-memory store: every cost of the projector but I/O. */
async function engineInMemory(
  input: readonly InputRecord[],
  topics: ReturnType<typeof topicNames>,
  rounds: number,
): Promise<DomainFigure> {
  const ordered = sourceBatches(input);
  let best = 0;
  for (let round = 0; round <= rounds; round += 1) {
    const engine = createProjectionEngine({
      store: createInMemoryProjectionStore(),
      deadLetters: { publish: async () => {} },
      topics,
    });
    const started = cpuSeconds();
    for (const batch of ordered) await engine.processBatch(batch);
    const seconds = cpuSeconds() - started;
    if (round > 0) best = Math.max(best, input.length / seconds); // round 0 warms up
  }
  return {
    name: 'engine batch path, in-memory store',
    events: input.length,
    eventsPerSecond: best,
  };
}

/**
 * Batches as the Kafka source hands them over: one topic-partition, up to a fetch's worth (500
 * records), round-robin over partitions, as a consumer drains them.
 */
export function sourceBatches(input: readonly InputRecord[]): SourceRecord[][] {
  const batches = new Map<string, SourceRecord[][]>();
  for (const record of input) {
    const field = `${record.topic}:${record.partition}`;
    let list = batches.get(field);
    if (list === undefined) batches.set(field, (list = [[]]));
    let last = list.at(-1) as SourceRecord[];
    if (last.length >= 500) list.push((last = []));
    last.push({
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
      key: record.key,
      value: record.value,
      headers: {},
      timestamp: '0',
    });
  }
  const ordered: SourceRecord[][] = [];
  const lists = [...batches.values()];
  for (let index = 0; lists.some((list) => index < list.length); index += 1) {
    for (const list of lists) {
      const batch = list[index];
      if (batch !== undefined) ordered.push(batch);
    }
  }
  return ordered;
}

function timed(name: string, events: number, rounds: number, pass: () => number): DomainFigure {
  let sink = 0;
  let best = 0;
  for (let round = 0; round <= rounds; round += 1) {
    const started = cpuSeconds();
    sink += pass();
    const seconds = cpuSeconds() - started;
    if (round > 0) best = Math.max(best, events / seconds); // round 0 warms up
  }
  if (sink < 0) throw new Error('unreachable: keeps the passes from being optimised away');
  return { name, events, eventsPerSecond: best };
}

function stringHash(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index += 1) {
    hash = (Math.imul(hash, 31) + text.charCodeAt(index)) >>> 0;
  }
  return hash;
}

/**
 * CPU time of this thread, not wall time: the figure is "events per second of one core", which
 * other processes on a shared machine would otherwise drag down with them.
 */
function cpuSeconds(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1e6;
}
