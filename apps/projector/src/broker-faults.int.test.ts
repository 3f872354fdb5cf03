import { sharedInfrastructure, startKafkaBroker, type KafkaBrokerHandle } from '@checkout/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  deadLetterCoordinates,
  expectStateEqualsFold,
  readDeadLetters,
  storedProgress,
} from './testing/expect-fold.ts';
import { isReady, logLines, tail, waitUntil } from './testing/probes.ts';
import { produceStream } from './testing/produce-stream.ts';
import { FAST_GROUP_ENV, projectorHarness, SMALL_FETCHES } from './testing/projector-harness.ts';

const streamShape = {
  duplicateRate: 0.02,
  unknownRate: 0.01,
  poisonRate: 0.01,
  concurrentSessions: 100,
};

/** Longer than FAST_GROUP_ENV's 6 s session timeout, about as long as kafkajs' own retries. */
const OUTAGE_MS = 25_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('checkout-projector when the Kafka broker fails', () => {
  let broker: KafkaBrokerHandle;
  beforeAll(async () => {
    broker = await startKafkaBroker();
    return () => broker.stop();
  });

  /**
   * SPEC §6 / issue: the broker is SIGKILLed and stays down 25 s, longer than the consumer's
   * session timeout (6 s here) and about as long as kafkajs' own retries; twice, once
   * mid-stream (a batch in hand retries its store or dead-letter step with backoff and
   * heartbeats) and once idle (the kafkajs consumer's fetch gives up and the source has it
   * restarted). Each time the same process must report not-ready within about a session
   * timeout, carry on once the broker is back, and end equal to the fold with every poison
   * record dead-lettered; nobody restarts it.
   */
  it('survives the broker killed mid-stream and idle, each time longer than the session timeout, without a restart', async () => {
    const { redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness(
      'broker-killed',
      { brokers: broker.brokers, redisUrl },
      3,
      FAST_GROUP_ENV,
    );
    await produceStream(broker.brokers, harness.topics, {
      seed: 51,
      records: 8000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    // Small fetches, so the broker dies with a backlog left.
    const projector = await harness.start(SMALL_FETCHES);
    const outages: string[] = [];

    async function outage(label: string, seed: number): Promise<void> {
      const killedAt = Date.now();
      const crashesBefore = logLines(projector, 'Kafka consumer crashed').length;
      await broker.kill();
      const stored = await storedProgress(harness);
      const notReadyMs = await waitUntil(
        async () => !(await isReady(projector.port)),
        '/readyz to report the outage',
        60_000,
      );
      // Within about one session timeout (broker-liveness.ts), not after kafkajs' retries.
      expect(notReadyMs).toBeLessThan(20_000);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
      expect(await isReady(projector.port)).toBe(false);
      expect(projector.child.exitCode, tail(projector)).toBeNull();

      const restarting = Date.now();
      await broker.restart();
      const brokerStartMs = Date.now() - restarting;
      await produceStream(broker.brokers, harness.topics, {
        seed,
        records: 1000,
        sessionPrefix: `after-${label}-`,
        ...streamShape,
      });
      const readyMs = await waitUntil(
        () => isReady(projector.port),
        '/readyz after the broker is back',
        120_000,
      );
      const crashes = logLines(projector, 'Kafka consumer crashed').length - crashesBefore;
      outages.push(
        `${label}: killed with ${stored} records stored, not ready after ${notReadyMs} ms, down ` +
          `${restarting - killedAt} ms + ${brokerStartMs} ms broker start, ready ${readyMs} ms later ` +
          `(1000 more records produced meanwhile), ${crashes} kafkajs consumer crashes`,
      );
    }

    await waitUntil(async () => (await storedProgress(harness)) >= 1000, 'progress', 30_000);
    await outage('mid-stream', 52);
    expect(Number(outages[0]?.match(/with (\d+) records/)?.[1]), 'killed mid-stream').toBeLessThan(
      8000,
    );
    await expectStateEqualsFold(harness, { timeoutMs: 120_000 });
    await outage('idle', 53);

    const figures = await expectStateEqualsFold(harness, { timeoutMs: 120_000 });
    expect(projector.child.exitCode, tail(projector)).toBeNull();
    // Poison published after the outages too, through the replaced idempotent producer.
    const deadLetters = new Set((await readDeadLetters(harness)).map(deadLetterCoordinates));
    expect([...deadLetters].sort()).toEqual(
      figures.comparison.expectedDeadLetters.map(deadLetterCoordinates).sort(),
    );
    const joins = logLines(projector, 'Joined the consumer group').length;
    console.info(
      `broker-killed: one process, ${joins} group joins; ${outages.join('; ')}; ` +
        `${figures.records} records, ${figures.sessions} sessions equal the fold, ` +
        `${deadLetters.size} poison records dead-lettered`,
    );
  });

  /**
   * Issue: a hung broker (SIGSTOP: connections stay open, nothing answers, a network black
   * hole) past the session timeout, with a backlog. The projector must notice (not ready, then
   * /healthz 500 once no batch was stored for STALL_TIMEOUT_MS while records wait, so that an
   * orchestrator would restart it), and recover by itself when the broker answers again.
   */
  it('notices a hung broker (not ready, then /healthz 500) and recovers by itself when it thaws', async () => {
    const { redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness(
      'broker-hung',
      { brokers: broker.brokers, redisUrl },
      3,
      FAST_GROUP_ENV,
    );
    await produceStream(broker.brokers, harness.topics, {
      seed: 56,
      records: 8000,
      ...streamShape,
    });
    const projector = await harness.start({ ...SMALL_FETCHES, STALL_TIMEOUT_MS: '3000' });
    await waitUntil(async () => (await storedProgress(harness)) >= 500, 'progress', 30_000);
    const healthz = async () =>
      fetch(`http://127.0.0.1:${projector.port}/healthz`, { signal: AbortSignal.timeout(2000) })
        .then(async (response) => ({ status: response.status, body: await response.text() }))
        .catch(() => ({ status: 0, body: '' }));

    broker.freeze(true);
    const frozenAt = Date.now();
    try {
      const stored = await storedProgress(harness);
      const notReadyMs = await waitUntil(
        async () => !(await isReady(projector.port)),
        '/readyz to report the hung broker',
        60_000,
      );
      const unhealthyMs = await waitUntil(
        async () => (await healthz()).status === 500,
        '/healthz 500 while records wait and nothing is stored',
        60_000,
      );
      expect((await healthz()).body).toMatch(/no batch stored for \d+ ms with \d+ records waiting/);
      expect(stored).toBeLessThan(8000);
      // Past the session timeout (6 s): the coordinator will have evicted the member.
      await sleep(Math.max(0, 8000 - (Date.now() - frozenAt)));
      expect(projector.child.exitCode, tail(projector)).toBeNull();
      broker.freeze(false);
      const frozenMs = Date.now() - frozenAt;

      const readyMs = await waitUntil(
        () => isReady(projector.port),
        '/readyz after the broker thaws',
        120_000,
      );
      const figures = await expectStateEqualsFold(harness, { timeoutMs: 120_000 });
      expect((await healthz()).status).toBe(200);
      expect(projector.child.exitCode, tail(projector)).toBeNull();
      console.info(
        `broker-hung: frozen with ${stored} records stored for ${frozenMs} ms; not ready after ` +
          `${notReadyMs} ms, /healthz 500 after ${unhealthyMs} ms more; ready ${readyMs} ms after ` +
          `the thaw; ${figures.records} records, ${figures.sessions} sessions equal the fold`,
      );
    } finally {
      broker.freeze(false);
    }
  });

  /**
   * SPEC §6 / issue: the projector starts even when the broker is not up yet: it serves
   * /readyz (not ready) meanwhile, retries with backoff, and gets going by itself when the
   * broker arrives.
   */
  it('starts before the broker is up, is not ready meanwhile, and gets going by itself', async () => {
    const { redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness(
      'broker-late',
      { brokers: broker.brokers, redisUrl },
      3,
      FAST_GROUP_ENV,
    );
    await produceStream(broker.brokers, harness.topics, {
      seed: 61,
      records: 4000,
      ...streamShape,
    });
    await broker.stop();

    const projector = await harness.start({}, { waitUntilReady: false });
    // Up and answering, but not ready, for as long as the broker is away.
    await waitUntil(
      async () =>
        (await fetch(`http://127.0.0.1:${projector.port}/healthz`).catch(() => null))?.ok === true,
      'the HTTP server',
      30_000,
    );
    const waitedFrom = Date.now();
    while (Date.now() - waitedFrom < 8000) {
      expect(await isReady(projector.port)).toBe(false);
      await sleep(500);
    }
    expect(projector.child.exitCode, tail(projector)).toBeNull();

    await broker.restart();
    const readyMs = await waitUntil(
      () => isReady(projector.port),
      '/readyz once the broker is up',
      120_000,
    );
    const figures = await expectStateEqualsFold(harness, { timeoutMs: 120_000 });
    console.info(
      `broker-late: not ready for the 8 s the broker was away; ready ${readyMs} ms after the broker answered; ` +
        `${figures.records} records, ${figures.sessions} sessions equal the fold`,
    );
  });
});
