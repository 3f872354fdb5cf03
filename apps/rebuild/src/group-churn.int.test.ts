import { describe, expect, it } from 'vitest';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';
import {
  compareWithFold,
  coPartitionedNumbers,
  describeGroup,
  FAST_GROUP_ENV,
  highWatermarks,
  logLines,
  produceInBackground,
  produceStream,
  projectorHarness,
  readAllRecords,
  storeModes,
  tail,
  waitForCheckpoints,
  waitUntil,
  type ProjectorHarness,
} from '@checkout/projector/testing';

const streamShape = { duplicateRate: 0.02, unknownRate: 0.01, poisonRate: 0.01 };
type Member = Awaited<ReturnType<ProjectorHarness['start']>>;

/**
 * The cluster goes through the first six changes only (a join, a SIGTERM, a SIGKILL, a join, a
 * SIGKILL, a join): every kind once or more, at half the run time, since the group protocol is
 * the same and what differs is where the writes land (each partition number's tag).
 */
const churnModes = storeModes().map((mode) => ({
  ...mode,
  changeCount: mode.mode === 'cluster' ? 6 : 12,
}));

/**
 * SPEC §6, one writer per session under churn: three projectors over six partitions, under
 * load, go through twelve membership changes (joins, SIGTERM leaves, SIGKILL crashes) while a
 * blue/green rebuild runs and switches. After every change the group must settle with partition
 * N of every topic on one member; at the end the active generation equals the pure fold of the
 * log. Write conflicts are counted and the longest rebalance pause is printed.
 */
describe.each(churnModes)(
  'a projector group under churn ($mode)',
  ({ mode, infrastructure, changeCount }) => {
    it('settles after every join, leave and crash, next to a blue/green rebuild, and ends equal to the fold', async () => {
      const kafkaBrokers = infrastructure.brokers;
      const harness = await projectorHarness(
        `group-churn-${mode}`,
        infrastructure,
        6,
        FAST_GROUP_ENV,
      );
      await produceStream(kafkaBrokers, harness.topics, {
        seed: 95,
        records: 4000,
        sessionPrefix: 'before-',
        concurrentSessions: 120,
        // Small record batches, fetched a few at a time by the rebuild (--fetch-bytes): it runs
        // through several membership changes instead of finishing before the first.
        chunk: 60,
        ...streamShape,
      });
      const producer = produceInBackground(kafkaBrokers, harness.topics, {
        seed: 96,
        sessionPrefix: 'live-',
        recordsPerSecond: 400,
        concurrentSessions: 120,
        ...streamShape,
      });
      const everyone: Member[] = [];
      const running: Member[] = [];
      const join = async () => {
        const member = await harness.start({}, { waitUntilReady: false });
        everyone.push(member);
        running.push(member);
      };
      for (let i = 0; i < 3; i += 1) await join();
      const pauses: number[] = [];
      const settled = async (what: string) => {
        const started = Date.now();
        await waitUntil(
          async () => {
            const group = await describeGroup(harness);
            if (group.state !== 'Stable' || group.members.size !== running.length) return false;
            const numbers = [...group.members.values()].map((assignment) =>
              coPartitionedNumbers(assignment, harness.topics.physical),
            );
            const owned = numbers.flatMap((list) => list ?? [-1]).sort((a, b) => a - b);
            return JSON.stringify(owned) === JSON.stringify([0, 1, 2, 3, 4, 5]);
          },
          `a stable, co-partitioned group after ${what}`,
          60_000,
        );
        pauses.push(Date.now() - started);
      };
      await settled('the start');

      const rebuildStarted = Date.now();
      let rebuildEnded = Infinity;
      const changedAt: number[] = [];
      const rebuild = runRebuildCli(rebuildEnv(harness), [
        '--from-offset',
        'earliest',
        '--fetch-bytes',
        '2048',
        '--yes',
        '--json',
      ]).finally(() => (rebuildEnded = Date.now()));
      const changes = ['join', 'sigterm', 'sigkill', 'join', 'sigkill', 'join', 'sigterm', 'join'];
      let made = 0;
      for (const change of [...changes, ...changes].slice(0, changeCount)) {
        if (change === 'join') await join();
        else {
          const leaving = running.shift()!;
          leaving.kill(change === 'sigterm' ? 'SIGTERM' : 'SIGKILL');
          const exit = await leaving.exited;
          if (change === 'sigterm') expect(exit.code, tail(leaving)).toBe(0);
        }
        made += 1;
        changedAt.push(Date.now());
        await settled(`${change} #${made}`);
      }
      const rebuilt = await rebuild;
      expect(rebuilt.code, rebuilt.stdout + rebuilt.stderr).toBe(0);
      expect(rebuilt.json).toMatchObject({ switched: true });
      const generation = String(rebuilt.json['generation']);
      const duringRebuild = changedAt.filter(
        (at) => at >= rebuildStarted && at <= rebuildEnded,
      ).length;

      await producer.stop();
      await waitForCheckpoints(harness.redis, {
        namespace: harness.namespace,
        layout: harness.layout,
        group: harness.group,
        generation,
        targets: await highWatermarks(kafkaBrokers, harness.topics),
        timeoutMs: 120_000,
      });
      const records = await readAllRecords(kafkaBrokers, harness.topics.physical);
      const comparison = await compareWithFold(harness.redis, records, harness.topics, {
        namespace: harness.namespace,
        layout: harness.layout,
        generation,
      });
      expect(comparison.unexpectedKeys).toEqual([]);
      expect(comparison.firstDifference?.stored, comparison.firstDifference?.sessionId).toEqual(
        comparison.firstDifference?.expected,
      );
      expect(comparison.mismatches).toEqual([]);
      for (const member of running) expect(member.child.exitCode, tail(member)).toBeNull();
      const conflicts = everyone.reduce(
        (sum, member) => sum + logLines(member, 'guarded write refused').length,
        0,
      );
      console.info(
        `group-churn (${mode}): ${made} membership changes over ${everyone.length} processes, ${duringRebuild} of them ` +
          `while a blue/green rebuild ran (${rebuildEnded - rebuildStarted} ms, generation ${generation}); ${records.length} records, ${comparison.sessions} sessions ` +
          `equal the fold; ${conflicts} write conflicts refused; longest rebalance pause ` +
          `${Math.max(...pauses)} ms (median ${[...pauses].sort((a, b) => a - b)[Math.floor(pauses.length / 2)]} ms)`,
      );
    });
  },
);
