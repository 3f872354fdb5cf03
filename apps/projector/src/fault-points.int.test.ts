import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import type { FaultPoint } from './fault-points.ts';
import {
  deadLetterCoordinates,
  expectStateEqualsFold,
  logSize,
  readDeadLetters,
  storedCheckpoints,
  storedProgress,
} from './testing/expect-fold.ts';
import { committedOffsets } from './testing/committed-offsets.ts';
import { tail } from './testing/probes.ts';
import { produceStream } from './testing/produce-stream.ts';
import { FAST_GROUP_ENV, projectorHarness, SMALL_FETCHES } from './testing/projector-harness.ts';

/** In the order a batch reaches them. */
const FAULT_POINTS: readonly FaultPoint[] = [
  'after-load',
  'after-dead-letters',
  'after-store-commit',
  'after-source-commit',
];

describe('checkout-projector crashing at each step of a batch (CHECKOUT_FAULT_POINT)', () => {
  /**
   * The README's exactly-once argument, step by step: the process SIGKILLs itself the third
   * time it passes each named step of a batch, is restarted without the hook, and must end
   * with every snapshot equal to the pure fold.
   *
   * - after-load: nothing stored; the batch is redelivered.
   * - after-dead-letters: the poison was published, the batch not stored; the redelivered
   *   batch publishes it again (dead letters are at least once, same original coordinates).
   * - after-store-commit: snapshots and checkpoints stored, Kafka offsets not committed; the
   *   consumer resumes from the Redis checkpoint.
   * - after-source-commit: everything done; nothing may be applied twice.
   *
   * There is no step "after the snapshot write and before the checkpoint": the snapshots and
   * the checkpoints of a batch are written by ONE Lua script, which Redis runs atomically, so
   * that state cannot exist by construction (commit-script.ts).
   *
   * The four crashes share one deployment: each round adds new sessions to the log, and the
   * fold is checked over the whole log after every recovery.
   */
  it('recovers from a SIGKILL at each of the four steps to the pure fold', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness(
      'fault-points',
      { brokers: kafkaBrokers, redisUrl },
      3,
      FAST_GROUP_ENV,
    );
    const figures: string[] = [];
    let republished = 0;

    for (const [round, point] of FAULT_POINTS.entries()) {
      await produceStream(kafkaBrokers, harness.topics, {
        seed: 300 + round,
        records: 3000,
        sessionPrefix: `${point}-`,
        duplicateRate: 0.02,
        unknownRate: 0.01,
        poisonRate: 0.01,
        concurrentSessions: 100,
      });
      // Small fetches, so the stream takes many batches and the third pass is mid-stream; an
      // offset commit after every wave, so the third commit is mid-stream too.
      const faulty = await harness.start(
        {
          CHECKOUT_FAULT_POINT: point,
          CHECKOUT_FAULT_AFTER: '3',
          KAFKA_COMMIT_INTERVAL_MS: '0',
          ...SMALL_FETCHES,
        },
        { waitUntilReady: false },
      );
      const exit = await faulty.exited;
      expect(exit.signal, tail(faulty)).toBe('SIGKILL');
      expect(faulty.output).toContain(`fault-point: crashing at ${point}`);
      const stored = await storedProgress(harness);
      const log = await logSize(harness);
      expect(stored, `${point}: crashed with the stream consumed`).toBeLessThan(log);
      if (point === 'after-store-commit') {
        // The crash fell between Redis and Kafka: a stored checkpoint Kafka never heard of.
        const committed = await committedOffsets(harness);
        const checkpoints = await storedCheckpoints(harness);
        const ahead = [...checkpoints].filter(
          ([partition, checkpoint]) => checkpoint > (committed.get(partition) ?? -1n),
        );
        expect(ahead.length).toBeGreaterThan(0);
      }

      const restarted = Date.now();
      const healthy = await harness.start();
      const fold = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
      const deadLetters = await readDeadLetters(harness);
      const unique = new Set(deadLetters.map(deadLetterCoordinates));
      expect([...unique].sort()).toEqual(
        fold.comparison.expectedDeadLetters.map(deadLetterCoordinates).sort(),
      );
      if (point === 'after-dead-letters') {
        // The crashed batch's dead letters were published, then published again on redelivery.
        expect(deadLetters.length - unique.size - republished).toBeGreaterThan(0);
      }
      republished = deadLetters.length - unique.size;
      figures.push(
        `${point}: crashed at ${stored}/${log} records stored, recovered in ${Date.now() - restarted} ms, ` +
          `${fold.sessions} sessions equal the fold, ${republished} dead letters republished so far`,
      );

      healthy.kill('SIGTERM');
      expect((await healthy.exited).code).toBe(0);
    }
    console.info(`fault-points:\n  ${figures.join('\n  ')}`);
  });
});
