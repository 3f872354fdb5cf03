import { createKafka, sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { compareWithFold } from './testing/compare-with-fold.ts';
import { logLines, readyzReport, tail, waitUntil } from './testing/probes.ts';
import { produceStream } from './testing/produce-stream.ts';
import { projectorHarness, SMALL_FETCHES } from './testing/projector-harness.ts';
import { readAllRecords } from './testing/read-topics.ts';
import { highWatermarks, waitForCheckpoints } from './testing/wait-for-checkpoints.ts';

/**
 * SPEC §6, "No silent skip", as an operator meets it: a running projector is frozen
 * (SIGSTOP, shorter than the session timeout: no rebalance), most of the records that arrive
 * meanwhile on one partition are deleted (retention, `deleteRecords`), and it is thawed.
 * kafkajs resets that partition to the new log start by itself; the projector must not
 * follow it past records it never applied. The fetch in flight when it froze holds at most a
 * few small record batches (SMALL_FETCHES), far fewer than the records deleted.
 */
describe('checkout-projector when the log loses records it never applied', () => {
  it('halts that partition with a history_truncated alarm; every other partition goes on and equals the fold', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('projector-truncated', {
      brokers: kafkaBrokers,
      redisUrl,
    });
    await produceStream(kafkaBrokers, harness.topics, { seed: 71, records: 2_000 });
    const projector = await harness.start(SMALL_FETCHES);
    const caughtUp = async (except?: string) => {
      const targets = await highWatermarks(kafkaBrokers, harness.topics);
      if (except !== undefined) targets.delete(except);
      await waitForCheckpoints(harness.redis, {
        namespace: harness.namespace,
        group: harness.group,
        targets,
        timeoutMs: 90_000,
      });
    };
    await caughtUp();

    const cart = harness.topics.toPhysical('cart-events');
    projector.kill('SIGSTOP');
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 72,
      records: 3_000,
      sessionPrefix: 'late-',
      chunk: 100,
    });
    const admin = createKafka(kafkaBrokers, 'truncate').admin();
    await admin.connect();
    const high = (await admin.fetchTopicOffsets(cart)).find(({ partition }) => partition === 0)!;
    const logStart = String(BigInt(high.high) - 5n);
    await admin.fetchTopicMetadata({ topics: [cart] });
    await admin.deleteTopicRecords({
      topic: cart,
      partitions: [{ partition: 0, offset: logStart }],
    });
    await admin.disconnect();
    projector.kill('SIGCONT');

    await waitUntil(
      async () => JSON.stringify(await readyzReport(projector.port)).includes('history_truncated'),
      'the history_truncated alarm on /readyz',
      60_000,
    );
    // Everything else carries on to the log end.
    await caughtUp('cart-events:0');
    const report = JSON.stringify(await readyzReport(projector.port));
    expect(report).toContain(`history_truncated on ${cart}:0`);
    const checkpoint = await harness.redis.hget(
      `${harness.namespace}:checkpoint:{${harness.group}}`,
      'cart-events:0',
    );
    expect(BigInt(checkpoint!), tail(projector)).toBeLessThan(BigInt(logStart));
    const alarms = logLines(projector, 'Partition halted');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      alarm: 'history_truncated',
      topic: cart,
      partition: 0,
      checkpoint,
      logStart,
    });
    const metrics = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
    expect(metrics).toContain(
      `checkout_partition_halted{topic="${cart}",partition="0",reason="history_truncated"} 1`,
    );

    // Partition numbers 1 and 2 hold sessions that never touch the halted partition.
    const records = await readAllRecords(kafkaBrokers, harness.topics.physical);
    const elsewhere = records.filter(({ partition }) => partition !== 0);
    const comparison = await compareWithFold(harness.redis, elsewhere, harness.topics, {
      namespace: harness.namespace,
    });
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.sessions).toBeGreaterThan(50);
    console.info(
      `history-truncated: ${records.length} records readable, cart-events:0 halted at ${checkpoint} ` +
        `(log start ${logStart}); ${comparison.sessions} sessions of partitions 1–2 equal the fold`,
    );
  });
});
