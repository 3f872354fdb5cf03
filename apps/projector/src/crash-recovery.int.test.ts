import { seededRandom } from '@checkout/generator';
import { describe, expect, it } from 'vitest';
import { produceInBackground } from './testing/background-producer.ts';
import {
  deadLetterCoordinates,
  expectStateEqualsFold,
  logSize,
  readDeadLetters,
  storedProgress,
} from './testing/expect-fold.ts';
import { produceStream } from './testing/produce-stream.ts';
import { FAST_GROUP_ENV, projectorHarness, SMALL_FETCHES } from './testing/projector-harness.ts';
import { storeModes } from './testing/store-modes.ts';

const KILLS = 7;

const streamShape = {
  duplicateRate: 0.02,
  unknownRate: 0.01,
  poisonRate: 0.01,
  limitSessionRate: 0.01,
  concurrentSessions: 100,
};

describe.each(storeModes())(
  'checkout-projector killed with SIGKILL while it consumes ($mode)',
  ({ mode, infrastructure }) => {
    /**
     * SPEC §6: a crash at any instant never loses an applied event nor applies one twice. The
     * process is started behind a fresh backlog and killed at a seeded random moment 0–150 ms
     * after it stored its first new batch, while a producer keeps adding events (so every
     * session is killed with work in flight, however fast the machine), and the final state is compared with the pure fold. Dead letters are
     * published before their batch is stored, so across crashes they are at least once: every
     * poison record must be in the dead-letter topic, identified by its original coordinates,
     * and nothing else.
     */
    it(`survives ${KILLS} kills at random moments: every snapshot equals the pure fold, every poison record is dead-lettered`, async () => {
      const kafkaBrokers = infrastructure.brokers;
      const harness = await projectorHarness('crash-recovery', infrastructure, 3, FAST_GROUP_ENV);
      const random = seededRandom(20_261_101);
      await produceStream(kafkaBrokers, harness.topics, {
        seed: 1,
        records: 3000,
        sessionPrefix: 'initial-',
        ...streamShape,
      });
      const producer = produceInBackground(kafkaBrokers, harness.topics, {
        seed: 2,
        sessionPrefix: 'live-',
        recordsPerSecond: 400,
        ...streamShape,
      });

      const kills: Array<{ readyMs: number; killedAfterMs: number; stored: number; log: number }> =
        [];
      for (let kill = 1; kill <= KILLS; kill += 1) {
        // A backlog before each start, and the kill soon after the first new batch is stored:
        // on a quiet machine the projector would otherwise catch up and be killed idle.
        await produceStream(kafkaBrokers, harness.topics, {
          seed: 100 + kill,
          records: 2000,
          sessionPrefix: `burst-${kill}-`,
          ...streamShape,
        });
        const before = await storedProgress(harness);
        const spawned = Date.now();
        // Small fetches and short waves: with the defaults a single wave could store the whole
        // backlog, and the kill would find it caught up. Waves of 50 ms still fold many batches,
        // so a kill loses a pending wave as it would in production.
        const projector = await harness.start({ ...SMALL_FETCHES, WAVE_MAX_MS: '50' });
        const readyMs = Date.now() - spawned;
        const started = Date.now();
        while ((await storedProgress(harness)) <= before && Date.now() - started < 30_000) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const killedAfterMs = random.int(0, 150);
        await new Promise((resolve) => setTimeout(resolve, killedAfterMs));
        projector.kill('SIGKILL');
        expect((await projector.exited).signal).toBe('SIGKILL');
        kills.push({
          readyMs,
          killedAfterMs,
          stored: await storedProgress(harness),
          log: await logSize(harness),
        });
      }
      await producer.stop();

      const restarted = Date.now();
      await harness.start();
      const figures = await expectStateEqualsFold(harness, { timeoutMs: 120_000 });

      // At least 5 sessions stored something and were killed with records left to store (on a
      // loaded machine a session killed early may not have stored its first batch yet).
      const midStream = kills.filter(
        (k, i) => k.stored < k.log && k.stored > (kills[i - 1]?.stored ?? 0),
      );
      expect(midStream.length, JSON.stringify(kills)).toBeGreaterThanOrEqual(5);

      const deadLetters = await readDeadLetters(harness);
      const published = new Set(deadLetters.map(deadLetterCoordinates));
      expect([...published].sort()).toEqual(
        figures.comparison.expectedDeadLetters.map(deadLetterCoordinates).sort(),
      );
      console.info(
        `crash-recovery (${mode}): ${figures.records} records, ${figures.sessions} sessions, ${figures.events} events applied; ` +
          `${KILLS} SIGKILLs (${midStream.length} mid-stream), final catch-up ${Date.now() - restarted} ms; ` +
          `dead letters: ${figures.poison} poison records, ${deadLetters.length} published ` +
          `(${deadLetters.length - published.size} republished); kills ${JSON.stringify(kills)}`,
      );
    });
  },
);
