import {
  onCleanup,
  sharedInfrastructure,
  startRedisServer,
  type RedisServerHandle,
} from '@checkout/testkit';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { produceInBackground } from './testing/background-producer.ts';
import { expectStateEqualsFold, logSize, storedProgress } from './testing/expect-fold.ts';
import { STALE_HEADER } from './http-server.ts';
import { isReady, logLines, tail, waitUntil } from './testing/probes.ts';
import { produceStream } from './testing/produce-stream.ts';
import { projectorHarness } from './testing/projector-harness.ts';
import { highWatermarks } from './testing/wait-for-checkpoints.ts';

const streamShape = {
  duplicateRate: 0.02,
  unknownRate: 0.01,
  poisonRate: 0.01,
  concurrentSessions: 100,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('checkout-projector when Redis goes away (persistence on)', () => {
  /**
   * SPEC §6, transient faults: while Redis is unavailable the projector retries with
   * backoff, reports not-ready and stores nothing half-way; when Redis is back (with its
   * append-only file, every acknowledged write kept) it carries on by itself, in the same
   * process. Two outages: a clean stop (SIGTERM) and a crash (SIGKILL), each while events
   * keep arriving. A commit whose reply was lost in the crash is caught by the
   * compare-and-set on its retry.
   */
  it('waits out a stopped and a killed Redis mid-stream, not ready meanwhile, and ends equal to the fold', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const redis = await startRedisServer({ persistence: 'aof' });
    onCleanup(() => redis.stop());
    const harness = await projectorHarness('redis-outage', {
      brokers: kafkaBrokers,
      redisUrl: redis.url,
    });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 11,
      records: 4000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    const producer = produceInBackground(kafkaBrokers, harness.topics, {
      seed: 12,
      sessionPrefix: 'live-',
      recordsPerSecond: 400,
      ...streamShape,
    });
    const projector = await harness.start();

    const outages: string[] = [];
    for (const how of ['stop', 'kill'] as const) {
      const before = await storedProgress(harness);
      await waitUntil(
        async () => (await storedProgress(harness)) > before,
        'progress before the outage',
        30_000,
      );
      await (how === 'stop' ? redis.stop() : redis.kill());
      const notReadyMs = await waitUntil(
        async () => !(await isReady(projector.port)),
        '/readyz to report the outage',
        15_000,
      );
      await sleep(4000);
      expect(await isReady(projector.port)).toBe(false);
      expect(projector.child.exitCode, tail(projector)).toBeNull();

      const restarted = Date.now();
      await redis.restart();
      const readyMs = await waitUntil(
        () => isReady(projector.port),
        '/readyz after Redis is back',
        60_000,
      );
      outages.push(
        `${how}: not ready after ${notReadyMs} ms, down ~4 s, ready ${readyMs} ms after the restart ` +
          `(Redis restart took ${Date.now() - restarted - readyMs} ms)`,
      );
    }
    await producer.stop();
    const figures = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    expect(projector.child.exitCode).toBeNull(); // recovered by itself, never restarted
    console.info(
      `redis-outage: ${figures.records} records, ${figures.sessions} sessions equal the fold ` +
        `(caught up ${figures.caughtUpMs} ms after the producer stopped); ${outages.join('; ')}`,
    );
  });
});

describe('checkout-projector when Redis loses its data (no persistence, FLUSHALL)', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer({ persistence: 'none' });
    return () => redis.stop();
  });

  /**
   * SPEC §6 / issue: a wiped store is detected and recovered from (replay), never silently
   * continued from. Flushed while consuming and producing, with the store watchdog off: the
   * next guarded commit of each partition finds its checkpoint gone (a write conflict), and
   * the partition replays from the log start. The producer runs until every partition has
   * received an event after the flush, so each of them meets the guard.
   */
  it('flushed mid-stream: write conflicts detect it, partitions replay from the log start, the state ends equal to the full fold', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const harness = await projectorHarness('redis-flush', {
      brokers: kafkaBrokers,
      redisUrl: redis.url,
    });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 21,
      records: 4000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    const producer = produceInBackground(kafkaBrokers, harness.topics, {
      seed: 22,
      sessionPrefix: 'live-',
      recordsPerSecond: 400,
      ...streamShape,
    });
    const projector = await harness.start({ STORE_WATCHDOG_INTERVAL_MS: '0' });
    await waitUntil(async () => (await storedProgress(harness)) >= 2000, 'progress', 30_000);
    const flushedAt = { stored: await storedProgress(harness), log: await logSize(harness) };
    const marksAtFlush = await highWatermarks(harness.brokers, harness.topics);
    await harness.redis.flushall();
    await waitUntil(
      async () => {
        const marks = await highWatermarks(harness.brokers, harness.topics);
        return [...marksAtFlush].every(
          ([partition, high]) => BigInt(marks.get(partition) ?? '0') > BigInt(high),
        );
      },
      'an event after the flush on every partition',
      60_000,
    );
    await producer.stop();

    const figures = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    const conflicts = logLines(projector, 'guarded write refused').length;
    expect(conflicts, tail(projector)).toBeGreaterThan(0);
    console.info(
      `redis-flush mid-stream: flushed at ${flushedAt.stored}/${flushedAt.log} records stored; ` +
        `${figures.records} records, ${figures.sessions} sessions equal the fold ${figures.caughtUpMs} ms ` +
        `after the producer stopped; detected by ${conflicts} write conflicts (watchdog off)`,
    );
  });

  /**
   * Why: before the store watchdog, lost data was noticed only on a partition's next event
   * (the guarded commit) or on a rebalance. Flushed when everything was stored and with
   * nothing produced afterwards, no partition has a next event: the projector reported
   * ready and served an empty store forever. Now the watchdog sees the checkpoints gone
   * and replays every partition from the log start.
   */
  it('flushed while idle with nothing produced afterwards: the store watchdog replays every quiet partition, not ready and answering stale meanwhile', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const harness = await projectorHarness('redis-flush-idle', {
      brokers: kafkaBrokers,
      redisUrl: redis.url,
    });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 31,
      records: 4000,
      ...streamShape,
    });
    const projector = await harness.start({ STORE_WATCHDOG_INTERVAL_MS: '1000' });
    const first = await expectStateEqualsFold(harness, { timeoutMs: 60_000 });

    // Flushed while the projector is frozen, and Redis refuses writes (CLIENT PAUSE WRITE) when
    // it thaws: the replay it starts cannot finish until we let it, so its state is observed,
    // not raced. Reads go on.
    projector.kill('SIGSTOP');
    await harness.redis.flushall();
    await harness.redis.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    projector.kill('SIGCONT');
    try {
      await waitUntil(
        () =>
          logLines(projector, 'Replaying a partition whose stored checkpoint went back').length > 0,
        'the replay after the flush',
        30_000,
      );
      expect(await isReady(projector.port)).toBe(false);
      const during = await fetch(
        `http://127.0.0.1:${projector.port}/v1/checkouts/any-session/totals`,
      );
      expect(during.headers.get(STALE_HEADER)).toMatch(/^replaying .* after the store lost data$/);
    } finally {
      await harness.redis.call('CLIENT', 'UNPAUSE');
    }
    const replayed = await expectStateEqualsFold(harness, { timeoutMs: 60_000 });
    expect(replayed.sessions).toBe(first.sessions);
    await waitUntil(() => isReady(projector.port), '/readyz once replayed', 30_000);
    const after = await fetch(`http://127.0.0.1:${projector.port}/v1/checkouts/any-session/totals`);
    expect(after.headers.get(STALE_HEADER)).toBeNull();
    expect(logLines(projector, 'Partition replayed up to where it was').length).toBeGreaterThan(0);
    expect(logLines(projector, 'guarded write refused')).toEqual([]);
    expect(logLines(projector, 'The store lost checkpoints').length).toBeGreaterThan(0);
    console.info(
      `redis-flush idle: ${replayed.records} records, ${replayed.sessions} sessions replayed to the fold ` +
        `${replayed.caughtUpMs} ms after Redis took writes again, by the watchdog alone; not ready and stale meanwhile`,
    );
  });
});

describe('checkout-projector when Redis loses its last second (appendfsync everysec)', () => {
  /**
   * Issue: production Redis usually fsyncs its AOF once a second, so a machine that dies under
   * load loses the last second or two of acknowledged commits. A SIGKILL of the process alone
   * loses nothing (the kernel still writes what Redis handed it), so the test also cuts the
   * tail off the AOF before the restart, as the lost second would: the last fifth of it, which
   * may end inside a command (Redis' `aof-load-truncated` drops that one). Snapshots and
   * checkpoints of one commit are one script, logged together, so they go back together; the
   * projector notices (a guarded commit or the watchdog finds its checkpoints behind what it
   * believed) and replays from what Redis kept. The state ends equal to the fold.
   */
  it('SIGKILLed under load: the lost second is replayed, the state equals the fold', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const redis = await startRedisServer({ persistence: 'aof-everysec' });
    onCleanup(() => redis.stop());
    const harness = await projectorHarness('redis-everysec', {
      brokers: kafkaBrokers,
      redisUrl: redis.url,
    });
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 41,
      records: 3000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    const producer = produceInBackground(kafkaBrokers, harness.topics, {
      seed: 42,
      sessionPrefix: 'live-',
      recordsPerSecond: 800,
      ...streamShape,
    });
    const projector = await harness.start({ STORE_WATCHDOG_INTERVAL_MS: '1000' });
    await waitUntil(async () => (await storedProgress(harness)) >= 3500, 'progress', 60_000);
    const storedBeforeKill = await storedProgress(harness);
    await redis.kill();
    loseTheLastSecond(redis.dataDir);
    await redis.restart();
    const storedAfterRestart = await storedProgress(harness);
    expect(storedAfterRestart).toBeLessThan(storedBeforeKill);
    await waitUntil(() => isReady(projector.port), '/readyz after the restart', 60_000);
    await sleep(1000); // more load after the restart
    await producer.stop();
    const figures = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    expect(projector.child.exitCode, tail(projector)).toBeNull();
    console.info(
      `redis-everysec: ${storedBeforeKill} records stored at the SIGKILL, ${storedAfterRestart} in ` +
        `Redis after the AOF lost its tail (${storedBeforeKill - storedAfterRestart} to replay); ` +
        `${figures.records} records, ${figures.sessions} sessions equal the fold`,
    );
  });
});

/** Cuts the last fifth off Redis' newest incremental AOF file: the second an fsync never made. */
function loseTheLastSecond(dataDir: string): void {
  const dir = join(dataDir, 'appendonlydir');
  const newest = readdirSync(dir)
    .filter((name) => name.endsWith('.incr.aof'))
    .sort(
      (a, b) =>
        Number(/\.(\d+)\.incr\.aof$/.exec(a)?.[1]) - Number(/\.(\d+)\.incr\.aof$/.exec(b)?.[1]),
    )
    .at(-1);
  if (newest === undefined) throw new Error(`no incremental AOF in ${dir}`);
  const file = join(dir, newest);
  truncateSync(file, Math.floor(statSync(file).size * 0.8));
}
