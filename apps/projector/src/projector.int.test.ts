import type { DeadLetterEntry } from '@checkout/engine';
import { keyspace } from '@checkout/redis';
import { sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { compareWithFold } from './testing/compare-with-fold.ts';
import { produceStream } from './testing/produce-stream.ts';
import { projectorHarness } from './testing/projector-harness.ts';
import { readAllRecords } from './testing/read-topics.ts';
import { highWatermarks, waitForCheckpoints } from './testing/wait-for-checkpoints.ts';

const coordinates = (entry: DeadLetterEntry) =>
  `${entry.original.topic}:${entry.original.partition}:${entry.original.offset}:${entry.reason}`;

describe('checkout-projector against Kafka and Redis', () => {
  it('projects 50 000 generated events exactly: snapshots equal the pure fold, poison only in the DLQ', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('projector-50k', { brokers: kafkaBrokers, redisUrl });
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
    const targets = await highWatermarks(kafkaBrokers, harness.topics);
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets,
      timeoutMs: 240_000,
    });

    const records = await readAllRecords(kafkaBrokers, harness.topics.physical);
    expect(records).toHaveLength(50_000);
    const comparison = await compareWithFold(harness.redis, records, harness.topics, {
      namespace: harness.namespace,
    });
    expect(comparison.firstDifference?.stored, comparison.firstDifference?.sessionId).toEqual(
      comparison.firstDifference?.expected,
    );
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.unexpectedKeys).toEqual([]);
    expect(comparison.sessions).toBeGreaterThan(2000);

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
    const checkpointKey = keyspace(harness.namespace).checkpoints(harness.group);
    const before = await harness.redis.mget(
      ...comparison.sessionIds.slice(0, 500).map((id) => keyspace(harness.namespace).snapshot(id)),
    );
    await harness.redis.hset(
      checkpointKey,
      Object.fromEntries([...targets.keys()].map((field) => [field, '0'])),
    );
    await harness.start();
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets,
      timeoutMs: 240_000,
    });
    const after = await harness.redis.mget(
      ...comparison.sessionIds.slice(0, 500).map((id) => keyspace(harness.namespace).snapshot(id)),
    );
    expect(after).toEqual(before);
    expect(
      (
        await compareWithFold(harness.redis, records, harness.topics, {
          namespace: harness.namespace,
        })
      ).mismatches,
    ).toEqual([]);
  });
});
