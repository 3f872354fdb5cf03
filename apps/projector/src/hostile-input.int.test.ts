import { DEAD_LETTER_REASONS, type DeadLetterEntry } from '@checkout/engine';
import { hostileRecords, type HostileKind, type HostileRecord } from '@checkout/generator';
import { createKafka, sharedInfrastructure } from '@checkout/testkit';
import { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { compareWithFold } from './testing/compare-with-fold.ts';
import { isReady } from './testing/probes.ts';
import { projectorHarness } from './testing/projector-harness.ts';
import { readAllRecords } from './testing/read-topics.ts';
import { highWatermarks, waitForCheckpoints } from './testing/wait-for-checkpoints.ts';

const RECORDS = 10_000;
/** Event times start here: a clock this test owns, not today's date. */
const START = new Date('2031-03-01T00:00:00Z');

/** Σ `checkout_events_total` per outcome, from the Prometheus text. */
function outcomes(metrics: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const match = /^checkout_events_total\{(.*)\} (\d+)$/.exec(line);
    const outcome = match && /outcome="([a-z_]+)"/.exec(match[1] ?? '')?.[1];
    if (match && outcome) totals.set(outcome, (totals.get(outcome) ?? 0) + Number(match[2]));
  }
  return totals;
}

describe('hostile input through the real path', () => {
  it('keeps the daemon up and ready, and every record is accounted for', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('hostile-input', { brokers: kafkaBrokers, redisUrl });
    const producer = createKafka(kafkaBrokers, 'hostile').producer({
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const kinds = new Map<HostileKind, number>();
    let batch: HostileRecord[] = [];
    const flush = async () => {
      for (const topic of new Set(batch.map((record) => record.topic))) {
        await producer.send({
          topic: harness.topics.toPhysical(topic),
          acks: -1,
          compression: CompressionTypes.GZIP,
          messages: batch
            .filter((record) => record.topic === topic)
            .map(({ key, value, headers }) => ({ key, value, headers })),
        });
      }
      batch = [];
    };
    for (const record of hostileRecords({ seed: 7, records: RECORDS, startTime: START })) {
      kinds.set(record.kind, (kinds.get(record.kind) ?? 0) + 1);
      batch.push(record);
      // A huge record ends its request, so no request carries two of them.
      if (batch.length >= 500 || record.kind === 'huge_string') await flush();
    }
    await flush();
    await producer.disconnect();

    const projector = await harness.start();
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: await highWatermarks(kafkaBrokers, harness.topics),
      timeoutMs: 180_000,
    });
    expect(projector.child.exitCode).toBeNull();
    expect(await isReady(projector.port)).toBe(true);

    // Every record counted once: applied + skipped + ignored + dead-lettered = produced.
    const metrics = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
    const counted = outcomes(metrics);
    const total = [...counted.values()].reduce((sum, count) => sum + count, 0);
    expect(total, JSON.stringify(Object.fromEntries(counted))).toBe(RECORDS);
    // Hundreds of never-seen event names, one label value (`other`): /metrics stays small.
    expect(counted.get('ignored') ?? 0).toBeGreaterThan(300);
    expect(metrics).not.toContain('never_seen_');
    expect(metrics.length).toBeLessThan(100_000);

    // And each where the pure fold puts it.
    const records = await readAllRecords(kafkaBrokers, harness.topics.physical);
    expect(records).toHaveLength(RECORDS);
    const comparison = await compareWithFold(harness.redis, records, harness.topics, {
      namespace: harness.namespace,
    });
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.unexpectedKeys).toEqual([]);
    const entries = (await readAllRecords(kafkaBrokers, [harness.dlqTopic])).map(
      (record) => JSON.parse(record.value?.toString('utf8') ?? '{}') as DeadLetterEntry,
    );
    expect(entries).toHaveLength(comparison.expectedDeadLetters.length);
    expect(entries).toHaveLength(counted.get('dead_lettered') ?? 0);
    expect(entries.filter((entry) => !DEAD_LETTER_REASONS.includes(entry.reason))).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    const byReason = Object.groupBy(entries, (entry) => entry.reason);
    console.info(
      `hostile input: ${RECORDS} records (${[...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ')}); ` +
        `outcomes ${JSON.stringify(Object.fromEntries(counted))}; dead letters by reason ` +
        JSON.stringify(
          Object.fromEntries(Object.entries(byReason).map(([r, e]) => [r, e?.length])),
        ),
    );
  });
});
