import { readFileSync } from 'node:fs';
import { keyspace } from '@checkout/redis';
import { createKafka, sharedInfrastructure } from '@checkout/testkit';
import { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { expectStateEqualsFold } from './testing/expect-fold.ts';
import { projectorHarness } from './testing/projector-harness.ts';

const SESSIONS = 64;
/** The documented bound (README, "Batches bounded in bytes"), with sessions at the SPEC limits. */
const PEAK_RSS_BOUND_MB = 600;

/**
 * Issue (memory bounded by bytes): sessions at the SPEC §3 limits — 1 000 cart lines, 100
 * promotions, 200 available and 200 selected services, every text 200 characters — make
 * snapshots of about 1.2 MB (the texts are two-byte UTF-8). Sixty-four of them (78 MB) wait
 * when the projector starts, so its batches touch many at once; the byte bounds split them,
 * every commit succeeds, the state equals the fold, V8's old space capped at 256 MB suffices,
 * and the process' peak resident memory (VmHWM) stays under the documented bound.
 */
describe('checkout-projector with sessions at the SPEC limits', () => {
  it('stores them all, equal to the fold, within the documented peak memory', async () => {
    const { kafkaBrokers, redisUrl } = sharedInfrastructure();
    const harness = await projectorHarness('sessions-at-limits', {
      brokers: kafkaBrokers,
      redisUrl,
    });
    const producer = createKafka(kafkaBrokers, 'sessions-at-limits').producer();
    await producer.connect();
    const text = (seed: string) => seed.padEnd(200, '·');
    const envelope = (session: string, id: string, eventName: string, payload: object) => ({
      key: session,
      value: JSON.stringify({
        event_id: id,
        event_name: eventName,
        aggregate_id: session,
        occurred_at: '2026-11-01T10:00:00.000Z',
        payload,
      }),
    });
    const services = (session: string) =>
      Array.from({ length: 200 }, (_, i) => ({
        service_id: text(`${session}-svc-${i}`),
        name: text(`service ${i}`),
        price_cents: 100,
      }));
    const send = async (topic: string, messages: Array<{ key: string; value: string }>) => {
      for (let start = 0; start < messages.length; start += 200) {
        await producer.send({
          topic: harness.topics.toPhysical(topic as never),
          acks: -1,
          compression: CompressionTypes.GZIP,
          messages: messages.slice(start, start + 200),
        });
      }
    };
    for (let s = 0; s < SESSIONS; s += 1) {
      const session = `limits-${s}`;
      await send(
        'cart-events',
        Array.from({ length: 1000 }, (_, line) =>
          envelope(session, `${session}-line-${line}`, 'cart.item_added', {
            sku: text(`${session}-sku-${line}`),
            name: text(`line ${line}`),
            quantity: 1,
            unit_price_cents: 100,
          }),
        ),
      );
      await send(
        'promotion-events',
        Array.from({ length: 100 }, (_, p) =>
          envelope(session, `${session}-promo-${p}`, 'promotion.applied', {
            promotion_id: text(`${session}-promo-${p}`),
            name: text(`promotion ${p}`),
            discount_cents: 1,
          }),
        ),
      );
      await send('services-events', [
        envelope(session, `${session}-available`, 'services.availability_calculated', {
          services: services(session),
        }),
        envelope(session, `${session}-selected`, 'services.selected', {
          services: services(session),
        }),
      ]);
    }
    await producer.disconnect();

    // A capped heap: an unbounded batch would run out of it instead of merely growing.
    const projector = await harness.start({ NODE_OPTIONS: '--max-old-space-size=256' });
    const figures = await expectStateEqualsFold(harness, { timeoutMs: 180_000 });
    const peakMb =
      Number(
        /^VmHWM:\s+(\d+) kB$/m.exec(
          readFileSync(`/proc/${projector.child.pid}/status`, 'utf8'),
        )?.[1],
      ) / 1024;
    const keys = keyspace(harness.namespace);
    const sizes = await Promise.all(
      Array.from({ length: SESSIONS }, (_, s) =>
        harness.redis.strlen(keys.snapshot(`limits-${s}`)),
      ),
    );
    expect(Math.min(...sizes)).toBeGreaterThan(600_000);
    expect(peakMb).toBeLessThan(PEAK_RSS_BOUND_MB);
    console.info(
      `sessions-at-limits: ${figures.records} records, ${figures.sessions} sessions of ` +
        `${Math.round(Math.min(...sizes) / 1024)}–${Math.round(Math.max(...sizes) / 1024)} KB equal the fold; ` +
        `projector peak RSS ${Math.round(peakMb)} MB (bound ${PEAK_RSS_BOUND_MB} MB)`,
    );
  });
});
