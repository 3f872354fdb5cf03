import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKOUT_TOPICS, type CheckoutTopic } from '@checkout/domain';
import { createProjectionEngine } from '@checkout/engine';
import kafkajs from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lz4Codec, snappyCodec, zstdCodec } from './codecs.ts';
import { runKafkaSource } from './kafka-record-source.ts';
import { checkoutEventMessage } from './test-support/checkout-events.ts';
import { JAVA_COMPRESSED, javaFixtureInput } from './test-support/java-compressed.ts';
import {
  caughtUp,
  kafkaTestEnv,
  waitFor,
  type KafkaTestEnv,
} from './test-support/kafka-test-env.ts';
import { createMemoryDeadLetters } from './test-support/memory-dead-letters.ts';
import { createMemoryStore, type MemoryStore } from './test-support/memory-store.ts';
import { testLog } from './test-support/test-log.ts';

const { CompressionTypes } = kafkajs;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sessions = ['z-1', 'z-2', 'z-3', 'z-4'];
const perSession = 5;

/** Runs the source until every produced event is stored; returns the store. */
async function project(env: KafkaTestEnv): Promise<MemoryStore> {
  const store = createMemoryStore();
  const engine = createProjectionEngine({
    store,
    deadLetters: createMemoryDeadLetters(),
    topics: env.topics,
  });
  const stop = new AbortController();
  const done = runKafkaSource({
    kafka: env.kafka,
    groupId: env.groupId,
    topics: env.topics,
    engine,
    signal: stop.signal,
    maxWaitTimeMs: 200,
    log: testLog(env.prefix),
  });
  cleanups.push(async () => {
    stop.abort();
    await done;
  });
  await waitFor(() => caughtUp(env, store), 'every event stored');
  return store;
}

async function produceAll(
  env: KafkaTestEnv,
  compression: (topic: CheckoutTopic) => number | undefined,
): Promise<void> {
  for (const topic of CHECKOUT_TOPICS) {
    const messages = sessions.flatMap((session) =>
      Array.from({ length: perSession }, () => checkoutEventMessage(topic, session)),
    );
    await env.produce(env.topics.toPhysical(topic), messages, compression(topic));
  }
}

function expectAllProjected(store: MemoryStore): void {
  for (const session of sessions)
    expect(store.snapshots.get(session)?.order.meta.event_count).toBe(25);
}

describe('compressed batches', () => {
  it('decodes gzip, Snappy, LZ4 and zstd batches produced by kafkajs', async () => {
    const env = await kafkaTestEnv('codecs-kafkajs');
    cleanups.push(() => env.cleanup());
    await env.createTopics(env.topics.physical, 2);
    const byTopic: Record<CheckoutTopic, number> = {
      'cart-events': CompressionTypes.GZIP,
      'shipping-events': CompressionTypes.Snappy,
      'promotion-events': CompressionTypes.LZ4,
      'services-events': CompressionTypes.ZSTD,
      'payment-events': CompressionTypes.None,
    };
    await produceAll(env, (topic) => byTopic[topic]);
    expectAllProjected(await project(env));
  });

  it('decodes batches the broker recompressed with the Java codecs (topic compression.type)', async () => {
    const env = await kafkaTestEnv('codecs-broker');
    cleanups.push(() => env.cleanup());
    const byTopic: Record<CheckoutTopic, string> = {
      'cart-events': 'lz4',
      'shipping-events': 'zstd',
      'promotion-events': 'snappy',
      'services-events': 'gzip',
      'payment-events': 'lz4',
    };
    for (const topic of CHECKOUT_TOPICS) {
      await env.createTopics([env.topics.toPhysical(topic)], 2, {
        'compression.type': byTopic[topic],
      });
    }
    await produceAll(env, () => CompressionTypes.None);
    expectAllProjected(await project(env));
  });
});

const javaCodec = fileURLToPath(new URL('../scripts/JavaCodec.java', import.meta.url));
const fetchScript = fileURLToPath(new URL('../../../scripts/kafka/fetch.sh', import.meta.url));
const javaAvailable = spawnSync('javac', ['-version']).status === 0 && existsSync(fetchScript);

describe.skipIf(!javaAvailable)('interoperability with the Kafka Java client', () => {
  let classpath = '';
  beforeAll(() => {
    const libs = execFileSync('bash', [fetchScript], { encoding: 'utf8' }).trim();
    const classes = mkdtempSync(join(tmpdir(), 'java-codec-'));
    execFileSync('javac', ['-cp', `${libs}/*`, '-d', classes, javaCodec]);
    classpath = `${classes}${delimiter}${libs}/*`;
    return () => rmSync(classes, { recursive: true, force: true });
  });
  const java = (mode: string, codec: string, input: Buffer) =>
    execFileSync('java', ['-cp', classpath, 'JavaCodec', mode, codec], {
      input,
      maxBuffer: 64 << 20,
    });

  it.each([
    ['lz4', lz4Codec],
    ['zstd', zstdCodec],
    ['snappy', snappyCodec],
  ] as const)('Java reads our %s output', async (name, codec) => {
    const input = javaFixtureInput();
    const compressed = await codec.compress({ buffer: input });
    expect(java('decompress', name, compressed).equals(input)).toBe(true);
  });

  it('the stored Java fixtures still match what this Kafka version writes', () => {
    const input = javaFixtureInput();
    for (const name of ['lz4', 'zstd', 'snappy'] as const) {
      expect(
        java('decompress', name, Buffer.from(JAVA_COMPRESSED[name], 'base64')).equals(input),
      ).toBe(true);
    }
  });
});
