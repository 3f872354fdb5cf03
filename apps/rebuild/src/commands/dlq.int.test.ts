import { Readable, Writable } from 'node:stream';
import { deadLetterEntry, topicNames, type SourceRecord } from '@checkout/engine';
import { createKafka, createKafkaDeadLetterSink } from '@checkout/kafka';
import {
  connectRedis,
  createTopics,
  deleteKeys,
  onCleanup,
  sharedInfrastructure,
  uniqueNames,
} from '@checkout/testkit';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createCliContext, withCommonFlags } from '../cli-context.ts';
import type { Kafka } from '../dlq/clients.ts';
import type { DeadLetterListing } from '../dlq/list-dead-letters.ts';
import type { ReplayReport } from '../dlq/replay-dead-letters.ts';
import { deadLetterEntry as testEntry } from '../dlq/test-entries.ts';
import { partitionForKey } from '@checkout/redis';
import { readAllRecords } from '@checkout/projector/testing';
import { registerDlqCommands } from './dlq.ts';

async function recordsIn(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce(
      (sum, { high, low }) => sum + Number(high) - Number(low),
      0,
    );
  } finally {
    await admin.disconnect();
  }
}

describe('checkout-rebuild dlq list|replay', () => {
  it('lists dead letters by reason, replays them to their original topics once, and never twice', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const names = uniqueNames('dlq-replay');
    const topics = topicNames(`${names.prefix}.`);
    const cart = topics.toPhysical('cart-events');
    const shipping = topics.toPhysical('shipping-events');
    const dlqTopic = names.topic('dlq');
    await createTopics(kafkaBrokers, [cart, shipping, dlqTopic], 2);
    const kafka = createKafka({ brokers: kafkaBrokers, clientId: names.prefix });
    const redis = connectRedis(redisUrl);
    onCleanup(() => deleteKeys(redis, `${names.prefix}:*`));

    const sink = createKafkaDeadLetterSink({ kafka, topic: dlqTopic, createTopic: false });
    onCleanup(() => sink.disconnect());
    // The originals exist: replay re-reads each one and checks its entry against it.
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const binaryKey = Buffer.from([0xc3, 0x28, 0x00]);
    async function original(
      topic: string,
      key: Buffer,
      value: Buffer,
      headers: Record<string, Buffer | Buffer[]> = {},
      partition = partitionForKey(key, 2),
    ): Promise<SourceRecord> {
      const [sent] = await producer.send({
        topic,
        acks: -1,
        messages: [{ key, value, headers, partition }],
      });
      return {
        topic,
        partition,
        offset: sent?.baseOffset ?? '0',
        timestamp: '0',
        key,
        value,
        headers,
      };
    }
    const currencyRecord = await original(
      cart,
      Buffer.from('s-1'),
      Buffer.from('{"event_id":"e-cur"}'),
      Object.fromEntries([
        ['traceparent', Buffer.from('00-abc')],
        ['x-repeated', [Buffer.from('one'), Buffer.from([0xff])]],
        ['__proto__', Buffer.from('kept')],
      ]),
    );
    const poisonRecord = await original(cart, binaryKey, Buffer.from([0xff, 0xfe]));
    const shippingRecord = await original(
      shipping,
      Buffer.from('s-2'),
      Buffer.from('{"event_id":"e-ship"}'),
    );
    const currencyRejection = { reason: 'currency_mismatch' as const, message: 'EUR' };
    const currency = deadLetterEntry(currencyRecord, currencyRejection, { event_id: 'e-cur' });
    const poison = deadLetterEntry(poisonRecord, { reason: 'invalid_json', message: 'bad' });
    const shippingCurrency = deadLetterEntry(shippingRecord, currencyRejection, {
      event_id: 'e-ship',
    });
    // Entries nobody should be able to steer a replay with: one whose original sits on another
    // partition than its key's, one whose value is not the original's.
    const misplaced = deadLetterEntry(
      await original(
        cart,
        Buffer.from('s-1'),
        Buffer.from('{"event_id":"e-mis"}'),
        {},
        1 - partitionForKey('s-1', 2),
      ),
      { reason: 'invalid_payload', message: 'x' },
    );
    const real = deadLetterEntry(
      await original(shipping, Buffer.from('s-3'), Buffer.from('{"event_id":"e-real"}')),
      { reason: 'invalid_payload', message: 'x' },
    );
    const forged = testEntry({
      reason: 'invalid_payload',
      original: { ...real.original, value: '{"event_id":"e-injected"}' },
    });
    await sink.publish([currency, poison, shippingCurrency]);
    await sink.publish([currency]); // at-least-once: the same poison record twice

    const env = {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: `${names.prefix}.`,
      REDIS_URL: redisUrl,
      REDIS_NAMESPACE: names.prefix,
      DLQ_TOPIC: dlqTopic,
    };
    /** Runs `checkout-rebuild <args>` with the CLI's own context (no terminal); its stdout and exit code. */
    async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
      let stdout = '';
      const io = {
        env,
        stdout: new Writable({
          write: (chunk, _encoding, done) => ((stdout += String(chunk)), done()),
        }),
        stderr: new Writable({ write: (_chunk, _encoding, done) => done() }),
        stdin: Readable.from([]),
        signal: new AbortController().signal,
      };
      const context = createCliContext(io);
      const program = withCommonFlags(new Command('checkout-rebuild')).exitOverride();
      registerDlqCommands(program, context);
      try {
        await program.parseAsync(args, { from: 'user' });
        return { code: context.exitCode(), stdout };
      } finally {
        await context.close();
      }
    }
    async function run<T>(...args: string[]): Promise<T> {
      const { code, stdout } = await cli(...args);
      expect(code).toBe(0);
      return JSON.parse(stdout) as T;
    }

    const all = await run<DeadLetterListing>('dlq', 'list', '--json');
    expect(all).toMatchObject({
      total: 4,
      by_reason: { currency_mismatch: 2, invalid_json: 1 },
      duplicates: 1,
      matched: 4,
      unreadable: [],
    });
    const onlyJson = await run<DeadLetterListing>(
      'dlq',
      'list',
      '--reason',
      'invalid_json',
      '--json',
    );
    expect(onlyJson.entries).toEqual([
      expect.objectContaining({ reason: 'invalid_json', original: poison.original }),
    ]);
    const limited = await cli('dlq', 'list', '--limit', '1');
    expect(limited.stdout).toContain(`4 of 4 dead letters in ${dlqTopic}, 1 shown (--limit).`);

    // No terminal and no --yes: not confirmed (exit code 4), nothing produced.
    expect((await cli('dlq', 'replay', '--reason', 'currency_mismatch')).code).toBe(4);
    const dryRun = await run<ReplayReport>(
      'dlq',
      'replay',
      '--reason',
      'currency_mismatch',
      '--dry-run',
      '--json',
    );
    expect(dryRun).toMatchObject({ would_replay: 2, replayed: 0, skipped: { duplicate: 1 } });
    expect(await recordsIn(kafka, cart)).toBe(3);

    const first = await run<ReplayReport>(
      'dlq',
      'replay',
      '--reason',
      'currency_mismatch',
      '--yes',
      '--json',
    );
    expect(first).toMatchObject({
      replayed: 2,
      skipped: { already_replayed: 0, duplicate: 1, not_checkout_topic: 0 },
    });
    const rest = await run<ReplayReport>('dlq', 'replay', '--yes', '--json');
    // The copy of the first record was remembered along with it.
    expect(rest).toMatchObject({ replayed: 1, skipped: { already_replayed: 3, duplicate: 0 } });

    const replayed = await readAllRecords(kafkaBrokers, [cart, shipping]);
    const replayOf = (record: SourceRecord) =>
      replayed.find(
        (m) =>
          m.topic === record.topic &&
          m.partition === record.partition &&
          m.offset !== record.offset &&
          m.value?.equals(record.value ?? Buffer.alloc(0)),
      );
    // Byte for byte: keys and header values that are not UTF-8, repeats, `__proto__`.
    expect(replayOf(currencyRecord)).toMatchObject({ key: currencyRecord.key });
    expect(Object.keys(replayOf(currencyRecord)?.headers ?? {})).toEqual([
      'traceparent',
      'x-repeated',
      '__proto__',
      'x-dlq-replayed-from',
    ]);
    expect(replayOf(currencyRecord)?.headers['x-repeated']).toEqual([
      Buffer.from('one'),
      Buffer.from([0xff]),
    ]);
    expect(replayOf(currencyRecord)?.headers['__proto__']).toEqual(Buffer.from('kept'));
    expect(replayOf(poisonRecord)).toMatchObject({ key: binaryKey });
    expect(replayOf(shippingRecord)).toMatchObject({ key: Buffer.from('s-2') });

    const again = await run<ReplayReport>('dlq', 'replay', '--yes', '--json');
    expect(again).toMatchObject({ replayed: 0, skipped: { already_replayed: 4, duplicate: 0 } });
    expect(await recordsIn(kafka, cart)).toBe(3 + 2);
    expect(await recordsIn(kafka, shipping)).toBe(2 + 1);
    expect(await redis.scard(`${names.prefix}:dlq-replayed:{checkout-projector}`)).toBe(4);

    // Entries that would steer a replay are refused, and the report says why.
    await sink.publish([misplaced, forged]);
    const steered = await run<ReplayReport>('dlq', 'replay', '--yes', '--json');
    expect(steered).toMatchObject({
      replayed: 0,
      skipped: { already_replayed: 4, not_its_partition: 1, original_mismatch: 1 },
    });
    expect(await recordsIn(kafka, cart)).toBe(3 + 2);
    expect(await recordsIn(kafka, shipping)).toBe(2 + 1);
  });
});
