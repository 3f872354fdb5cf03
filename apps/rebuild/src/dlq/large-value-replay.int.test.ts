import { createKafka, sharedInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { rebuildEnv } from '../testing/rebuild-env.ts';
import { runRebuildCli } from '../testing/run-cli.ts';
import {
  produceStream,
  projectorHarness,
  readAllRecords,
  waitUntilCaughtUp,
} from '@checkout/projector/testing';
import { REPLAYED_FROM_HEADER } from './replay-message.ts';

/**
 * A poison record near the broker's message limit (1 000 000 bytes, not UTF-8: base64 would
 * make its entry 1.3 MB): the projector moves past it with a bounded entry (a head, the size
 * and the SHA-256), and `dlq replay` re-reads the whole original from its topic and
 * re-produces it byte for byte.
 */
describe('checkout-rebuild dlq replay of an entry too large to carry its value', () => {
  it('re-produces the original record, read back from its topic', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('dlq-large-value', {
      brokers: kafkaBrokers,
      redisUrl,
    });
    await produceStream(kafkaBrokers, harness.topics, { seed: 91, records: 500 });
    const large = Buffer.alloc(1_000_000, 0xff);
    const cart = harness.topics.toPhysical('cart-events');
    const producer = createKafka(kafkaBrokers, 'large-poison').producer();
    await producer.connect();
    await producer.send({ topic: cart, acks: -1, messages: [{ key: 'big-1', value: large }] });
    await producer.disconnect();
    await harness.start();
    await waitUntilCaughtUp(harness);

    const env = rebuildEnv(harness);
    const replay = await runRebuildCli(env, [
      'dlq',
      'replay',
      '--reason',
      'invalid_json',
      '--yes',
      '--json',
    ]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(replay.json).toMatchObject({ skipped: { original_gone: 0 } });
    expect(Number(replay.json['replayed'])).toBeGreaterThanOrEqual(1);

    const records = await readAllRecords(kafkaBrokers, [cart]);
    const copies = records.filter(
      (record) =>
        record.headers[REPLAYED_FROM_HEADER] !== undefined && record.key?.toString() === 'big-1',
    );
    expect(copies).toHaveLength(1);
    expect(copies[0]?.value?.equals(large)).toBe(true);
  });
});
