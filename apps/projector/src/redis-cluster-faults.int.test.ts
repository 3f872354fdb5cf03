import { partitionTag } from '@checkout/redis';
import {
  sharedInfrastructure,
  startRedisCluster,
  type RedisClusterHandle,
} from '@checkout/testkit';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { produceInBackground } from './testing/background-producer.ts';
import { expectStateEqualsFold, storedCheckpoints } from './testing/expect-fold.ts';
import { logLines, tail, waitUntil } from './testing/probes.ts';
import { produceStream } from './testing/produce-stream.ts';
import { projectorHarness, type ProjectorHarness } from './testing/projector-harness.ts';

const streamShape = {
  duplicateRate: 0.02,
  unknownRate: 0.01,
  poisonRate: 0.01,
  concurrentSessions: 100,
};

/**
 * Redis Cluster faults, each on this file's own cluster (3 masters, 3 replicas): a flushed
 * master, slots resharded under load, a master killed under load. In cluster mode partition
 * number N is one hash tag, so a master holds whole partitions: what it loses, it loses for
 * those partitions only, snapshots and checkpoints together, and the compare-and-set replays
 * exactly them. Each ends equal to the pure fold of the log.
 */
describe('checkout-projector on a Redis Cluster that loses a master', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    return () => cluster.stop();
  });

  async function clusterHarness(label: string, partitions: number): Promise<ProjectorHarness> {
    const { kafkaBrokers } = sharedInfrastructure();
    return projectorHarness(
      label,
      { brokers: kafkaBrokers, redisUrl: cluster.url, redisCluster: { seeds: cluster.seeds } },
      partitions,
    );
  }

  /** Partition numbers by the master port that serves their tag now. */
  async function tagsByMaster(namespace: string, partitions: number) {
    const byMaster = new Map<number, number[]>();
    for (let partition = 0; partition < partitions; partition += 1) {
      const port = await cluster.masterOf(partitionTag(namespace, partition));
      byMaster.set(port, [...(byMaster.get(port) ?? []), partition]);
    }
    return byMaster;
  }

  /**
   * A projector storing a backlog of 3000 records while 400 more arrive per second, once it
   * stored the first 1000; and which master serves which of its partition numbers then.
   */
  async function underLoad(label: string, partitions: number, seed: number) {
    const harness = await clusterHarness(label, partitions);
    await produceStream(harness.brokers, harness.topics, {
      seed,
      records: 3000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    const producer = produceInBackground(harness.brokers, harness.topics, {
      seed: seed + 1,
      sessionPrefix: 'live-',
      recordsPerSecond: 400,
      ...streamShape,
    });
    const projector = await harness.start();
    const all = new Set([...Array(partitions).keys()]);
    await waitUntil(
      async () => ((await progressOf(harness, all)) ?? 0n) > 1000n,
      'progress',
      30_000,
    );
    return {
      harness,
      producer,
      projector,
      all,
      byMaster: await tagsByMaster(harness.namespace, partitions),
    };
  }

  /** Stored checkpoints summed over `partitions`; null while the cluster does not answer. */
  async function progressOf(harness: ProjectorHarness, partitions: ReadonlySet<number>) {
    try {
      let sum = 0n;
      for (const [field, offset] of await storedCheckpoints(harness)) {
        if (partitions.has(Number(field.slice(field.lastIndexOf(':') + 1)))) sum += offset;
      }
      return sum;
    } catch {
      return null;
    }
  }

  /**
   * Issue 11: a master flushed while the projector runs loses the snapshots and checkpoints of
   * its partitions, and only those. The projector notices (a guarded commit finds the
   * checkpoint gone, or the store watchdog does) and replays exactly those partition numbers
   * from the log start; the partitions of the other masters keep storing meanwhile and never
   * go back.
   */
  it('FLUSHALL on one master: only its partitions replay, the others never stop', async () => {
    const partitions = 12;
    const harness = await clusterHarness('cluster-flush', partitions);
    await produceStream(harness.brokers, harness.topics, {
      seed: 51,
      records: 4000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    const projector = await harness.start({ STORE_WATCHDOG_INTERVAL_MS: '1000' });
    await expectStateEqualsFold(harness, { timeoutMs: 90_000 });

    const byMaster = await tagsByMaster(harness.namespace, partitions);
    const [flushedPort, flushed = []] =
      [...byMaster].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    const kept = new Set([...Array(partitions).keys()].filter((p) => !flushed.includes(p)));
    expect(kept.size, JSON.stringify([...byMaster])).toBeGreaterThan(0);

    const producer = produceInBackground(harness.brokers, harness.topics, {
      seed: 52,
      sessionPrefix: 'live-',
      recordsPerSecond: 400,
      ...streamShape,
    });
    const keptBefore = (await progressOf(harness, kept)) ?? 0n;
    const master = new Redis({ host: '127.0.0.1', port: flushedPort ?? 0, lazyConnect: true });
    await master.connect();
    await master.flushall();
    master.disconnect();

    const replayed = () =>
      new Set(
        logLines(projector, 'Replaying a partition whose stored checkpoint went back').map((line) =>
          Number(line['partition']),
        ),
      );
    await waitUntil(
      () => flushed.every((partition) => replayed().has(partition)),
      `the flushed partitions ${flushed.join(', ')} to replay`,
      60_000,
    );
    await waitUntil(
      async () => ((await progressOf(harness, kept)) ?? 0n) > keptBefore,
      'the other partitions storing on',
      30_000,
    );
    await producer.stop();

    const figures = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    expect([...replayed()].sort((a, b) => a - b)).toEqual(flushed);
    expect(projector.child.exitCode, tail(projector)).toBeNull();
    console.info(
      `cluster-flush: master ${flushedPort} held partitions ${flushed.join(', ')} of ${partitions}; ` +
        `exactly those replayed, the other ${kept.size} went on; ${figures.records} records, ` +
        `${figures.sessions} sessions equal the fold`,
    );
  });

  /**
   * Issue 11: a master SIGKILLed under load. After cluster-node-timeout (2 s here) its replica
   * is promoted; what the master acknowledged but had not replicated yet is lost for its
   * partitions, snapshots and checkpoints together. The projector retries while the slots are
   * down (CLUSTERDOWN, connection closed), follows the new master (MOVED), replays what went
   * back, and ends equal to the fold, without a restart. The killed node comes back as a
   * replica. Before the reshard below: a failover needs a majority of the masters that serve
   * slots, which two of them (one emptied by the reshard) no longer have.
   */
  it('a master killed under load: its replica is promoted, the projector recovers by itself', async () => {
    const partitions = 6;
    const { harness, producer, projector, all, byMaster } = await underLoad(
      'cluster-failover',
      partitions,
      71,
    );
    const [victim, lost = []] = [...byMaster].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    const { masters, replicas } = await cluster.topology();
    const victimId = masters.find((m) => m.port === victim)?.id;
    const replica = [...replicas].find(([, masterId]) => masterId === victimId)?.[0];
    const killed = Date.now();
    await cluster.node(victim ?? 0).kill();
    await waitUntil(
      async () => (await cluster.topology()).masters.some((m) => m.port === replica),
      `replica ${replica} promoted`,
      60_000,
    );
    await cluster.waitUntilHealthy({ replicated: false, timeoutMs: 60_000 });
    const promotedMs = Date.now() - killed;

    const stored = (await progressOf(harness, all)) ?? 0n;
    await waitUntil(
      async () => ((await progressOf(harness, all)) ?? 0n) > stored,
      'storing after the failover',
      60_000,
    );
    await cluster.node(victim ?? 0).restart();
    await cluster.waitUntilHealthy({ replicated: true, timeoutMs: 60_000 });
    await producer.stop();

    const figures = await expectStateEqualsFold(harness, { timeoutMs: 120_000 });
    expect(projector.child.exitCode, tail(projector)).toBeNull();
    console.info(
      `cluster-failover: master ${victim} (partitions ${lost.join(', ')}) SIGKILLed under load, ` +
        `replica ${replica} serving its slots ${promotedMs} ms later; ` +
        `${logLines(projector, 'guarded write refused').length} write conflicts, ` +
        `${logLines(projector, 'Replaying a partition').length} partitions replayed; ` +
        `${figures.records} records, ${figures.sessions} sessions equal the fold, no restart`,
    );
  });

  /**
   * Issue 11: `redis-cli --cluster reshard` moves every slot of one master to another while the
   * projector stores: its commits meet ASK (a slot migrating), TRYAGAIN (a script's keys split
   * across the two nodes for a moment) and MOVED (the slot gone); the client follows or retries
   * them, the engine retries what still fails, and nothing is lost or applied twice.
   */
  it('reshards every slot of one master under load: nothing lost, nothing twice', async () => {
    const partitions = 6;
    const { harness, producer, projector, all, byMaster } = await underLoad(
      'cluster-reshard',
      partitions,
      61,
    );
    const [from] = [...byMaster].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    const { masters } = await cluster.topology();
    const source = masters.find((m) => m.port === from);
    const target = masters.find((m) => m.port !== from);
    if (source === undefined || target === undefined) throw new Error('no two masters');
    const slots = source.slots.reduce((sum, [a, b]) => sum + b - a + 1, 0);
    const moving = byMaster.get(source.port) ?? [];
    const started = Date.now();
    await cluster.reshard(source.port, target.port, slots);
    const reshardMs = Date.now() - started;
    await cluster.waitUntilHealthy();
    const after = await tagsByMaster(harness.namespace, partitions);
    expect(after.get(source.port)).toBeUndefined();

    const stored = (await progressOf(harness, all)) ?? 0n;
    await waitUntil(
      async () => ((await progressOf(harness, all)) ?? 0n) > stored,
      'storing after the reshard',
      30_000,
    );
    await producer.stop();
    const figures = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    expect(projector.child.exitCode, tail(projector)).toBeNull();
    console.info(
      `cluster-reshard: ${slots} slots (partitions ${moving.join(', ')}) moved from ${source.port} ` +
        `to ${target.port} in ${reshardMs} ms under load; ${figures.records} records, ` +
        `${figures.sessions} sessions equal the fold; ` +
        `${logLines(projector, 'guarded write refused').length} write conflicts`,
    );
  });
});
