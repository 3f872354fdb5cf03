import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { produceInBackground } from './testing/background-producer.ts';
import { expectStateEqualsFold, storedCheckpoints, storedProgress } from './testing/expect-fold.ts';
import { coPartitionedNumbers, describeGroup } from './testing/group-members.ts';
import { logLines, tail, waitUntil } from './testing/probes.ts';
import { produceStream } from './testing/produce-stream.ts';
import { FAST_GROUP_ENV, projectorHarness } from './testing/projector-harness.ts';
import { storeModes } from './testing/store-modes.ts';

const streamShape = {
  duplicateRate: 0.02,
  unknownRate: 0.01,
  poisonRate: 0.01,
  concurrentSessions: 100,
};

/** Partitions named in a "Joined the consumer group" log line. */
function assignedCount(line: Record<string, unknown>): number {
  const assigned = (line['assigned'] ?? {}) as Record<string, number[]>;
  return Object.values(assigned).reduce((sum, partitions) => sum + partitions.length, 0);
}

describe('two checkout-projector processes in one consumer group', () => {
  /**
   * SPEC §6, one writer per session: the group's assignment gives partition N of all five
   * topics to one member (checked in the broker's description of the group). When one member
   * is SIGKILLed mid-way, the other takes over its partitions once the dead member's session
   * times out (6 s here), resumes them from their Redis checkpoints, and the final state
   * equals the pure fold.
   */
  it('co-partitions the topics between them; when one is killed the other takes over and the state equals the fold', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness(
      'rebalance',
      { brokers: kafkaBrokers, redisUrl },
      3,
      FAST_GROUP_ENV,
    );
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 41,
      records: 5000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    const producer = produceInBackground(kafkaBrokers, harness.topics, {
      seed: 42,
      sessionPrefix: 'live-',
      recordsPerSecond: 400,
      ...streamShape,
    });
    const first = await harness.start();
    const second = await harness.start();

    let owned: number[][] = [];
    await waitUntil(
      async () => {
        const group = await describeGroup(harness);
        if (group.state !== 'Stable' || group.members.size !== 2) return false;
        owned = [...group.members.values()].map(
          (assignment) => coPartitionedNumbers(assignment, harness.topics.physical) ?? [],
        );
        return owned.every((numbers) => numbers.length > 0);
      },
      'a stable group of two members, each owning partitions',
      60_000,
    );
    // Partition N of every topic on one member; together they own every partition once.
    expect(owned.flat().sort()).toEqual([0, 1, 2]);

    const before = await storedProgress(harness);
    await waitUntil(
      async () => (await storedProgress(harness)) > before + 500,
      'both members storing',
      30_000,
    );
    const joinsBefore = logLines(second, 'Joined the consumer group').length;
    const killed = Date.now();
    first.kill('SIGKILL');
    await first.exited;
    const takeoverMs = await waitUntil(
      () =>
        logLines(second, 'Joined the consumer group')
          .slice(joinsBefore)
          .some((line) => assignedCount(line) === 15),
      'the survivor to own all 15 partitions',
      60_000,
    );
    const stored = await storedProgress(harness);
    await waitUntil(
      async () => (await storedProgress(harness)) > stored,
      'the survivor storing',
      30_000,
    );
    await producer.stop();

    const figures = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    expect(second.child.exitCode, tail(second)).toBeNull();
    console.info(
      `rebalance: ${figures.records} records, ${figures.sessions} sessions equal the fold; ` +
        `partition numbers per member before the kill ${JSON.stringify(owned)}; ` +
        `the survivor owned all 15 partitions ${takeoverMs} ms after the SIGKILL ` +
        `(session timeout 6000 ms); fold verified ${Date.now() - killed} ms after the kill`,
    );
  });
});

describe.each(storeModes())('a zombie checkout-projector ($mode)', ({ mode, infrastructure }) => {
  /**
   * SPEC §6, writes never go backwards: a member that freezes in the middle of a batch (here
   * it SIGSTOPs itself right after loading the batch's snapshots: CHECKOUT_FAULT_SIGNAL) is
   * evicted once its session times out, and the other member takes over its partitions and
   * stores past the frozen batch. Thawed (SIGCONT), the zombie folds and commits the batch
   * it had in hand before it learns it was evicted: the compare-and-set must refuse that
   * write, and the final state equals the fold.
   */
  it('a member frozen mid-batch past the session timeout cannot overwrite the new owner when it thaws', async () => {
    const kafkaBrokers = infrastructure.brokers;
    const harness = await projectorHarness('zombie', infrastructure, 3, FAST_GROUP_ENV);
    await produceStream(kafkaBrokers, harness.topics, {
      seed: 81,
      records: 3000,
      sessionPrefix: 'before-',
      ...streamShape,
    });
    const producer = produceInBackground(kafkaBrokers, harness.topics, {
      seed: 82,
      sessionPrefix: 'live-',
      recordsPerSecond: 600,
      ...streamShape,
    });
    const zombie = await harness.start(
      {
        CHECKOUT_FAULT_POINT: 'after-load',
        CHECKOUT_FAULT_AFTER: '4',
        CHECKOUT_FAULT_SIGNAL: 'SIGSTOP',
      },
      { waitUntilReady: false },
    );
    await waitUntil(
      () => zombie.output.includes('fault-point: freezing at after-load'),
      'the member to freeze in the middle of a batch',
      60_000,
    );
    const frozenAt = await storedCheckpoints(harness);

    const frozen = Date.now();
    const survivor = await harness.start();
    await waitUntil(
      () =>
        logLines(survivor, 'Joined the consumer group').some((line) => assignedCount(line) === 15),
      'the survivor to own all 15 partitions',
      60_000,
    );
    const takeoverMs = Date.now() - frozen;
    await waitUntil(
      async () => {
        const now = await storedCheckpoints(harness);
        return (
          [...now.keys()].length === 15 &&
          [...now].every(([partition, checkpoint]) => checkpoint > (frozenAt.get(partition) ?? -1n))
        );
      },
      'the survivor storing past the frozen batch on every partition',
      60_000,
    );

    zombie.kill('SIGCONT');
    await waitUntil(
      () => logLines(zombie, 'guarded write refused').length > 0,
      'the zombie write to be refused',
      30_000,
    );
    await waitUntil(
      async () => {
        const group = await describeGroup(harness);
        return group.state === 'Stable' && group.members.size === 2;
      },
      'the thawed member back in the group',
      60_000,
    );
    await producer.stop();

    const figures = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    expect(zombie.child.exitCode, tail(zombie)).toBeNull();
    expect(survivor.child.exitCode, tail(survivor)).toBeNull();
    const refused = logLines(zombie, 'guarded write refused');
    console.info(
      `zombie (${mode}): frozen after loading its 4th batch; the survivor owned all partitions ${takeoverMs} ms later ` +
        `and stored past the frozen batch; after SIGCONT ${refused.length} zombie writes were refused ` +
        `(first: ${JSON.stringify(refused[0]?.['conflict'])}) and it rejoined; ` +
        `${figures.records} records, ${figures.sessions} sessions equal the fold`,
    );
  });
});
