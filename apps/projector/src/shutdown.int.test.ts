import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { committedOffsets } from './testing/committed-offsets.ts';
import {
  expectStateEqualsFold,
  logSize,
  storedCheckpoints,
  storedProgress,
} from './testing/expect-fold.ts';
import { tail, waitUntil } from './testing/probes.ts';
import { produceStream } from './testing/produce-stream.ts';
import { projectorHarness, SMALL_FETCHES } from './testing/projector-harness.ts';

describe('checkout-projector on SIGTERM', () => {
  /**
   * Graceful shutdown (issue: "exits cleanly within a bounded time with its offsets
   * committed"): mid-stream, SIGTERM finishes the batch in flight, stores it, commits its
   * offsets to Kafka and leaves the group; the process exits 0. Kafka's committed offsets
   * are then exactly the Redis checkpoints (what lag tools see is what is stored), and a
   * restart continues from there to the fold.
   */
  it('exits 0 within 15 s mid-stream, with Kafka offsets equal to the Redis checkpoints; a restart continues to the fold', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('shutdown', { brokers: kafkaBrokers, redisUrl });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 71,
      records: 12_000,
      duplicateRate: 0.02,
      unknownRate: 0.01,
      poisonRate: 0.01,
      concurrentSessions: 100,
    });
    // Small fetches, so the stream takes many batches and the SIGTERM lands mid-stream.
    const projector = await harness.start(SMALL_FETCHES);
    await waitUntil(async () => (await storedProgress(harness)) >= 2000, 'progress', 60_000);

    const signalled = Date.now();
    projector.kill('SIGTERM');
    const exit = await projector.exited;
    const exitMs = Date.now() - signalled;
    expect(exit, tail(projector)).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(15_000);

    const stored = await storedProgress(harness);
    const log = await logSize(harness);
    expect(stored, 'stopped mid-stream').toBeLessThan(log);
    const checkpoints = await storedCheckpoints(harness);
    const committed = await committedOffsets(harness);
    expect(checkpoints.size).toBeGreaterThan(0);
    for (const [partition, checkpoint] of checkpoints)
      expect(committed.get(partition), partition).toBe(checkpoint);
    for (const [partition, offset] of committed)
      if (!checkpoints.has(partition)) expect(offset, partition).toBe(-1n);

    const restarted = Date.now();
    await harness.start();
    const figures = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    console.info(
      `shutdown: SIGTERM with ${stored}/${log} records stored, exit 0 after ${exitMs} ms; ` +
        `${checkpoints.size} partitions with Kafka offsets equal to their checkpoints; ` +
        `restart reached the fold (${figures.records} records, ${figures.sessions} sessions) in ${Date.now() - restarted} ms`,
    );
  });
});
