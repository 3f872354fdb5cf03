import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_DOMAIN_CONFIG } from '@checkout/domain';
import { foldBatch, parseBatch } from '@checkout/engine';
import { activeGenerations } from '@checkout/redis';
import { describe, expect, it } from 'vitest';
import { produceLateEvents } from './testing/late-events.ts';
import { startReaderLoop } from './testing/reader-loop.ts';
import { coordinates, deadLetterCopies } from './testing/dead-letter-copies.ts';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';
import {
  compareWithFold,
  produceStream,
  projectorHarness,
  readAllRecords,
  highWatermarks,
  storeModes,
  waitForCheckpoints,
} from '@checkout/projector/testing';

describe.each(storeModes())(
  'checkout-rebuild blue/green under load ($mode)',
  ({ infrastructure }) => {
    /**
     * In cluster mode every partition number has its own pointer: the rebuild switches each one
     * when that partition is caught up, readers of a session follow its own partition's pointer,
     * and the live projector follows each switch through its pointer guard.
     */
    it('rebuilds from earliest while the live projector and readers keep going; nothing is lost or goes back', async () => {
      const kafkaBrokers = infrastructure.brokers;
      const harness = await projectorHarness('rebuild-blue-green', infrastructure);
      await produceStream(kafkaBrokers, harness.topics, {
        seed: 21,
        records: 10_000,
        concurrentSessions: 150,
        sessionPrefix: 'a',
      });
      const projector = await harness.start();
      await waitForCheckpoints(harness.redis, {
        namespace: harness.namespace,
        layout: harness.layout,
        group: harness.group,
        targets: await highWatermarks(kafkaBrokers, harness.topics),
        timeoutMs: 90_000,
      });

      const before = await readAllRecords(kafkaBrokers, harness.topics.physical);
      const existing = foldBatch(
        parseBatch(before, harness.topics, DEFAULT_DOMAIN_CONFIG),
        new Map(),
        harness.topics,
        DEFAULT_DOMAIN_CONFIG,
      )
        .snapshots.map(({ sessionId }) => sessionId)
        .sort();
      const watched = existing.filter((_, index) => index % 3 === 0);
      expect(watched.length).toBeGreaterThan(120);
      const readers = startReaderLoop(harness.redis, harness.namespace, watched);

      // The load: new sessions and new events for watched ones, in waves, while the rebuild runs
      // and for two waves after it switched.
      let wavesLeft = Infinity;
      const load = (async () => {
        // At least four waves, however soon the rebuild is done.
        for (let wave = 1; (wave <= 4 || wavesLeft > 0) && wave <= 15; wave += 1, wavesLeft -= 1) {
          await produceStream(kafkaBrokers, harness.topics, {
            seed: 100 + wave,
            records: 600,
            sessionPrefix: `b${wave}`,
            chunk: 200,
          });
          await produceLateEvents(
            harness,
            watched.filter((_, index) => index % 3 === wave % 3),
            wave,
          );
          await sleep(200);
        }
      })();

      const rebuild = await runRebuildCli(rebuildEnv(harness), [
        '--from-offset',
        'earliest',
        '--yes',
        '--json',
      ]);
      wavesLeft = 2;
      await load;
      expect(rebuild.code, rebuild.stdout + rebuild.stderr).toBe(0);
      expect(rebuild.json).toMatchObject({ generation: '1', replaced: 'base', switched: true });
      console.info(
        `blue/green: ${rebuild.json['events']} events at ${rebuild.json['events_per_second']} events/s, ` +
          `switched after ${rebuild.json['switch_attempts']} attempt(s)`,
      );

      // The live projector moved to generation 1 by itself and consumes what came after.
      await waitForCheckpoints(harness.redis, {
        namespace: harness.namespace,
        layout: harness.layout,
        group: harness.group,
        generation: '1',
        targets: await highWatermarks(kafkaBrokers, harness.topics),
        timeoutMs: 90_000,
      });
      const seen = await readers.stop();
      expect(seen.violations).toEqual([]);
      expect(seen.rounds).toBeGreaterThan(3);

      const all = await readAllRecords(kafkaBrokers, harness.topics.physical);
      expect(all.length).toBeGreaterThan(before.length + 2_000);
      const comparison = await compareWithFold(harness.redis, all, harness.topics, {
        namespace: harness.namespace,
        layout: harness.layout,
        generation: '1',
      });
      expect(comparison.firstDifference?.stored, comparison.firstDifference?.sessionId).toEqual(
        comparison.firstDifference?.expected,
      );
      expect(comparison.mismatches).toEqual([]);
      expect(comparison.unexpectedKeys).toEqual([]);

      // Dead letters: every poison record is in the topic; those of the history the live
      // projector had processed before the rebuild exactly once (the rebuild did not repeat them).
      const copies = await deadLetterCopies(kafkaBrokers, harness.dlqTopic);
      expect(
        comparison.expectedDeadLetters.filter((e) => !copies.has(coordinates(e.original))),
      ).toEqual([]);
      const history = new Set(before.map((record) => coordinates(record)));
      const historyCopies = [...copies].filter(([key]) => history.has(key));
      expect(historyCopies.length).toBeGreaterThan(50);
      expect(historyCopies.filter(([, count]) => count > 1)).toEqual([]);
      expect(Number(rebuild.json['dead_letters_already_published'])).toBeGreaterThanOrEqual(
        historyCopies.length,
      );
      console.info(
        `blue/green dead letters: ${[...copies.values()].reduce((a, b) => a + b, 0)} entries for ` +
          `${copies.size} poison records; ${historyCopies.length} of the history, each once; ` +
          `${[...copies].filter(([, count]) => count > 1).length} published twice (reached by the ` +
          `rebuild first); the rebuild left out ` +
          `${rebuild.json['dead_letters_already_published']} the topic held`,
      );
      // The old generation is untouched and kept for rollback; the projector is still healthy.
      const pointers = await activeGenerations(harness.redis, { layout: harness.layout });
      expect(new Set(pointers.values())).toEqual(new Set(['1']));
      expect(projector.child.exitCode).toBeNull();
      // It got there through its pointer guard: a refused commit, then a resume from generation 1.
      expect(projector.output.some((line) => line.includes('active-generation'))).toBe(true);
    });
  },
);
