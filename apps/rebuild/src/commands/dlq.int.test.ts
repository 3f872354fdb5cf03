import { Readable, Writable } from 'node:stream';
import { topicNames, type DeadLetterEntry } from '@checkout/engine';
import { createKafka, createKafkaDeadLetterSink } from '@checkout/kafka';
import {
  connectRedis,
  consumeMessages,
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
import { deadLetterEntry } from '../dlq/test-entries.ts';
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
    const currency = deadLetterEntry({
      event_id: 'e-cur',
      original: {
        topic: cart,
        partition: 0,
        offset: '5',
        key: 's-1',
        value: '{"event_id":"e-cur"}',
      },
    });
    const poison: DeadLetterEntry = deadLetterEntry({
      reason: 'invalid_json',
      event_id: null,
      event_name: null,
      original: {
        topic: cart,
        partition: 1,
        offset: '9',
        key: 's-2',
        value: Buffer.from([0xff, 0xfe]).toString('base64'),
        value_encoding: 'base64',
        headers: {},
      },
    });
    const shippingCurrency = deadLetterEntry({
      event_id: 'e-ship',
      original: {
        topic: shipping,
        partition: 1,
        offset: '3',
        key: 's-2',
        value: '{"event_id":"e-ship"}',
      },
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
    expect(await recordsIn(kafka, cart)).toBe(0);

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

    const replayed = await consumeMessages(kafka, {
      groupId: names.groupId('check'),
      topics: [cart, shipping],
      count: 3,
    });
    const replayedTo = (topic: string, partition: number) =>
      replayed.find((m) => m.topic === topic && m.partition === partition);
    expect(replayedTo(cart, 0)).toMatchObject({
      key: 's-1',
      value: '{"event_id":"e-cur"}',
      headers: { traceparent: '00-abc', 'x-dlq-replayed-from': expect.stringMatching(/^\d+:\d+$/) },
    });
    expect(replayedTo(cart, 1)).toMatchObject({
      key: 's-2',
      value: Buffer.from([0xff, 0xfe]).toString('utf8'),
    });
    expect(replayedTo(shipping, 1)).toMatchObject({ key: 's-2', value: '{"event_id":"e-ship"}' });

    const again = await run<ReplayReport>('dlq', 'replay', '--yes', '--json');
    expect(again).toMatchObject({ replayed: 0, skipped: { already_replayed: 4, duplicate: 0 } });
    expect(await recordsIn(kafka, cart)).toBe(2);
    expect(await recordsIn(kafka, shipping)).toBe(1);
    expect(await redis.scard(`${names.prefix}:dlq-replayed:{checkout-projector}`)).toBe(4);
  });
});
