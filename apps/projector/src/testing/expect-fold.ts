import type { DeadLetterEntry } from '@checkout/engine';
import { readCheckpoints } from '@checkout/redis';
import { expect } from 'vitest';
import { compareWithFold, type FoldComparison } from './compare-with-fold.ts';
import type { ProjectorHarness } from './projector-harness.ts';
import { readAllRecords } from './read-topics.ts';
import { highWatermarks, waitForCheckpoints } from './wait-for-checkpoints.ts';

export interface FoldFigures {
  /** Records in the five topics (the whole log). */
  records: number;
  sessions: number;
  /** Events applied to the snapshots (event_count summed). */
  events: number;
  /** Poison records the fold sends to the dead-letter topic. */
  poison: number;
  /** From the call until every checkpoint reached its high watermark. */
  caughtUpMs: number;
  comparison: FoldComparison;
}

/**
 * The end of every fault test: waits until the stored checkpoints reach the current high
 * watermarks, then checks every snapshot against the pure fold of the whole log (no
 * mismatch, no snapshot the fold does not know).
 */
export async function expectStateEqualsFold(
  harness: ProjectorHarness,
  options: { timeoutMs: number; onTick?: () => void },
): Promise<FoldFigures> {
  const started = Date.now();
  const targets = await highWatermarks(harness.brokers, harness.topics);
  await waitForCheckpoints(harness.redis, {
    namespace: harness.namespace,
    layout: harness.layout,
    group: harness.group,
    targets,
    timeoutMs: options.timeoutMs,
    ...(options.onTick === undefined ? {} : { onTick: options.onTick }),
  });
  const caughtUpMs = Date.now() - started;
  const records = await readAllRecords(harness.brokers, harness.topics.physical);
  const expectedRecords = [...targets.values()].reduce((sum, high) => sum + Number(high), 0);
  expect(records).toHaveLength(expectedRecords);
  const comparison = await compareWithFold(harness.redis, records, harness.topics, {
    namespace: harness.namespace,
    layout: harness.layout,
  });
  expect(comparison.firstDifference?.stored, comparison.firstDifference?.sessionId).toEqual(
    comparison.firstDifference?.expected,
  );
  expect(comparison.mismatches).toEqual([]);
  expect(comparison.unexpectedKeys).toEqual([]);
  return {
    records: records.length,
    sessions: comparison.sessions,
    events: comparison.events,
    poison: comparison.expectedDeadLetters.length,
    caughtUpMs,
    comparison,
  };
}

/** Original coordinates and reason of a dead letter: what identifies it across republications. */
export function deadLetterCoordinates(entry: DeadLetterEntry): string {
  return `${entry.original.topic}:${entry.original.partition}:${entry.original.offset}:${entry.reason}`;
}

/** Every entry of the dead-letter topic. */
export async function readDeadLetters(harness: ProjectorHarness): Promise<DeadLetterEntry[]> {
  return (await readAllRecords(harness.brokers, [harness.dlqTopic])).map(
    (record) => JSON.parse(record.value?.toString('utf8') ?? 'null') as DeadLetterEntry,
  );
}

/** The stored checkpoints (logical `"<topic>:<partition>"` → next offset). */
export async function storedCheckpoints(harness: ProjectorHarness): Promise<Map<string, bigint>> {
  const stored = await readCheckpoints(harness.redis, harness.layout, null, harness.group);
  return new Map([...stored].map(([field, value]) => [field, BigInt(value)]));
}

/** Overwrites stored checkpoints (logical field → next offset), each in its partition's shard. */
export async function overwriteCheckpoints(
  harness: ProjectorHarness,
  checkpoints: ReadonlyMap<string, string>,
): Promise<void> {
  for (const [field, offset] of checkpoints) {
    const partition = Number(field.slice(field.lastIndexOf(':') + 1));
    const shard = harness.layout.shardOfPartition(partition);
    await harness.redis.hset(
      harness.layout.keys(shard, null).checkpoints(harness.group),
      field,
      offset,
    );
  }
}

/** Records stored so far, summed over partitions (the sum of the checkpoints). */
export async function storedProgress(harness: ProjectorHarness): Promise<number> {
  let sum = 0n;
  for (const value of (await storedCheckpoints(harness)).values()) sum += value;
  return Number(sum);
}

/** Records in the five topics right now. */
export async function logSize(harness: ProjectorHarness): Promise<number> {
  const marks = await highWatermarks(harness.brokers, harness.topics);
  return [...marks.values()].reduce((sum, high) => sum + Number(high), 0);
}
