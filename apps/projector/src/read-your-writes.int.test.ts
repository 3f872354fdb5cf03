import type { CheckoutSnapshot } from '@checkout/domain';
import { generateStream } from '@checkout/generator';
import { createCheckoutReader, NotCaughtUpError, partitionForKey } from '@checkout/redis';
import { createKafka, onCleanup } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { projectorHarness } from './testing/projector-harness.ts';
import { storeModes } from './testing/store-modes.ts';
import { highWatermarks, waitUntilCaughtUp } from './testing/wait-for-checkpoints.ts';

const PARTITIONS = 3;

/**
 * What a service that just published an event asks for: the order as of at least the
 * position its producer acknowledged (read-your-writes), and a version to finalise against
 * (optimistic locking), from the TypeScript reader and over HTTP, on the real broker and
 * Redis. The timeouts wait for offsets nobody produced, so they cannot pass by luck.
 */
describe.each(storeModes())('read-your-writes and versions ($mode)', ({ infrastructure }) => {
  it('waits for an acknowledged position, versions every answer, and times out clearly', async () => {
    const harness = await projectorHarness('read-your-writes', infrastructure, PARTITIONS);
    const projector = await harness.start();
    const http = (path: string, headers: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${projector.port}${path}`, { headers });
    const reader = createCheckoutReader({
      redis: harness.redis,
      namespace: harness.namespace,
      group: harness.group,
      topicPrefix: `${harness.names.prefix}.`,
    });

    // One session's applied events, in order; all but the last two go first.
    const stream = [...generateStream({ seed: 3, records: 60, concurrentSessions: 1 })];
    const sessionId = stream[0]?.key ?? '';
    const applied = stream.filter((r) => r.key === sessionId && r.expect === 'apply');
    expect(applied.length).toBeGreaterThan(4);
    const producer = createKafka(harness.brokers, 'read-your-writes').producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const send = async (record: (typeof applied)[number]) => {
      const topic = harness.topics.toPhysical(record.topic);
      const [ack] = await producer.send({
        topic,
        acks: -1,
        messages: [{ key: record.key, value: record.value }],
      });
      return { topic, partition: ack?.partition ?? -1, offset: ack?.baseOffset ?? '' };
    };
    for (const record of applied.slice(0, -2)) await send(record);
    await waitUntilCaughtUp(harness);

    // Produce A, read at least A: its offset is in the snapshot, with no wait of our own.
    const recordA = applied.at(-2)!;
    const a = await send(recordA);
    const readA = await reader.readOrder(sessionId, { atLeast: [a], timeoutMs: 30_000 });
    const appliedOffset = (order: CheckoutSnapshot | null, topic: string) =>
      order?.meta.offsets[`${topic}:${partitionForKey(sessionId, PARTITIONS)}`];
    expect(appliedOffset(readA.value, recordA.topic)).toBe(a.offset);
    expect(readA.version).toMatch(/^[0-9a-f]{64}$/);

    // The same over HTTP: ETag = the reader's version, If-None-Match → 304.
    const atLeastA = `at_least=${a.topic}:${a.partition}:${a.offset}&timeout_ms=30000`;
    const path = `/v1/checkouts/${encodeURIComponent(sessionId)}`;
    const httpA = await http(`${path}?${atLeastA}`);
    expect(httpA.status).toBe(200);
    expect(httpA.headers.get('etag')).toBe(`"${readA.version}"`);
    expect(await httpA.json()).toEqual(readA.value);
    const notModified = await http(path, { 'if-none-match': `"${readA.version}"` });
    expect([notModified.status, await notModified.text()]).toEqual([304, '']);
    expect((await http(`${path}/totals`)).headers.get('etag')).toBe(`"${readA.version}"`);

    // A read waiting for the next offset of B's partition, started before B is produced.
    const recordB = applied.at(-1)!;
    const physicalB = harness.topics.toPhysical(recordB.topic);
    const partition = partitionForKey(sessionId, PARTITIONS);
    const next = (await highWatermarks(harness.brokers, harness.topics)).get(
      `${recordB.topic}:${partition}`,
    )!;
    const waiting = reader.readTotals(sessionId, {
      atLeast: [{ topic: physicalB, partition, offset: next }],
      timeoutMs: 30_000,
    });
    const b = await send(recordB);
    expect(b.offset).toBe(next);
    const readB = await waiting;
    expect(readB.version).not.toBe(readA.version);
    expect(appliedOffset(await reader.getOrder(sessionId), recordB.topic)).toBe(b.offset);

    // Optimistic locking: the totals shown at A are no longer current, on both transports.
    const check = await reader.getTotalsIfVersion(sessionId, readA.version);
    expect(check).toEqual({
      current: false,
      totals: readB.value,
      version: readB.version,
      expected: readA.version,
    });
    expect((await reader.getTotalsIfVersion(sessionId, readB.version)).current).toBe(true);
    const changed = await http(`${path}/totals`, { 'if-none-match': `"${readA.version}"` });
    expect([changed.status, changed.headers.get('etag')]).toEqual([200, `"${readB.version}"`]);

    // An offset nobody produced: a clear timeout, with the checkpoint it saw.
    const beyond = { topic: physicalB, partition, offset: BigInt(b.offset) + 1n };
    const timedOut = await reader
      .getOrder(sessionId, { atLeast: [beyond], timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(NotCaughtUpError);
    expect(timedOut).toMatchObject({
      code: 'NOT_CAUGHT_UP',
      pending: [
        {
          topic: recordB.topic,
          partition,
          offset: String(beyond.offset),
          checkpoint: String(beyond.offset),
        },
      ],
    });
    const httpTimeout = await http(
      `${path}?at_least=${physicalB}:${partition}:${beyond.offset}&timeout_ms=300`,
    );
    expect(httpTimeout.status).toBe(504);
    expect(await httpTimeout.json()).toMatchObject({
      error: 'not_caught_up',
      pending: [{ partition }],
    });
  });
});
