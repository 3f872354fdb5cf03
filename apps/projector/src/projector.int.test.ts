import { decodeSnapshot, emptyTotals, getTotals } from '@checkout/domain';
import type { DeadLetterEntry } from '@checkout/engine';
import { readSnapshotTexts } from '@checkout/redis';
import { describe, expect, it } from 'vitest';
import { expectStateEqualsFold, overwriteCheckpoints } from './testing/expect-fold.ts';
import { produceStream } from './testing/produce-stream.ts';
import { projectorHarness } from './testing/projector-harness.ts';
import { storeModes } from './testing/store-modes.ts';
import { readAllRecords } from './testing/read-topics.ts';
import { highWatermarks } from './testing/wait-for-checkpoints.ts';

const coordinates = (entry: DeadLetterEntry) =>
  `${entry.original.topic}:${entry.original.partition}:${entry.original.offset}:${entry.reason}`;

describe.each(storeModes())(
  'checkout-projector against Kafka and Redis ($mode)',
  ({ infrastructure }) => {
    it('projects 50 000 generated events exactly: snapshots equal the pure fold, poison only in the DLQ', async () => {
      const kafkaBrokers = infrastructure.brokers;
      const harness = await projectorHarness('projector-50k', infrastructure);
      const produced = await produceStream(kafkaBrokers, harness.topics, {
        seed: 42,
        records: 50_000,
        duplicateRate: 0.02,
        unknownRate: 0.01,
        poisonRate: 0.005,
        limitSessionRate: 0.01,
        concurrentSessions: 200,
      });
      expect(produced.get('duplicate')).toBeGreaterThan(500);

      const projector = await harness.start();
      const { records, comparison } = await expectStateEqualsFold(harness, { timeoutMs: 240_000 });
      expect(records).toBe(50_000);
      expect(comparison.sessions).toBeGreaterThan(2000);

      // The HTTP API serves what is stored, in either layout: the totals of 50 sessions, and
      // empty totals for one nobody wrote.
      const sample = comparison.sessionIds.slice(0, 50);
      const stored = await readSnapshotTexts(harness.redis, harness.layout, null, sample);
      for (const [index, sessionId] of sample.entries()) {
        const decoded = decodeSnapshot(stored[index] ?? '');
        if (!decoded.ok) throw new Error(`${sessionId}: ${decoded.error.message}`);
        const answer = await fetch(
          `http://127.0.0.1:${projector.port}/v1/checkouts/${encodeURIComponent(sessionId)}/totals`,
        );
        expect(await answer.json(), sessionId).toEqual(getTotals(decoded.value));
      }
      const unknown = await fetch(`http://127.0.0.1:${projector.port}/v1/checkouts/nobody/totals`);
      expect(await unknown.json()).toEqual(emptyTotals('nobody'));

      const deadLetters = (await readAllRecords(kafkaBrokers, [harness.dlqTopic])).map(
        (record) => JSON.parse(record.value!.toString('utf8')) as DeadLetterEntry,
      );
      expect(deadLetters.map(coordinates).sort()).toEqual(
        comparison.expectedDeadLetters.map(coordinates).sort(),
      );
      expect(new Set(deadLetters.map((entry) => entry.reason))).toEqual(
        new Set([
          'invalid_json',
          'invalid_envelope',
          'invalid_payload',
          'topic_mismatch',
          'currency_mismatch',
          'amount_overflow',
          'limit_exceeded',
        ]),
      );

      // Redelivery: lose every checkpoint write (as after a crash), restart, replay everything.
      projector.kill('SIGTERM');
      expect((await projector.exited).code).toBe(0);
      const kept = comparison.sessionIds.slice(0, 500);
      const before = await readSnapshotTexts(harness.redis, harness.layout, null, kept);
      await overwriteCheckpoints(
        harness,
        new Map(
          [...(await highWatermarks(kafkaBrokers, harness.topics)).keys()].map((field) => [
            field,
            '0',
          ]),
        ),
      );
      await harness.start();
      const replayed = await expectStateEqualsFold(harness, { timeoutMs: 240_000 });
      const after = await readSnapshotTexts(harness.redis, harness.layout, null, kept);
      expect(after).toEqual(before);
      expect(replayed.records).toBe(50_000);
    });
  },
);
