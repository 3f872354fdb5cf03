import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FOLD_VERSION } from '@checkout/domain';
import { createKafka, onCleanup, sharedInfrastructure, startRedisServer } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { logLines, tail, waitUntil } from './testing/probes.ts';
import { projectorHarness } from './testing/projector-harness.ts';
import { openBrowserPage, partitionRow } from './testing/status-browser.ts';
import { waitForCheckpoints } from './testing/wait-for-checkpoints.ts';

/** Kept after the run (gitignored): what an operator sees with lag. */
const SCREENSHOT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../test-artifacts/status-page-with-lag.png',
);
const TOKEN = 'status-page-test-token-0123456789';
/** An event name that is markup: it reaches the page in the dead-letter warning. */
const EVIL_NAME = `<img src=x onerror="document.title='owned'">.item_added`;

function cartEvent(sessionId: string, eventName: string, occurredAt: number) {
  return JSON.stringify({
    event_id: `${sessionId}-${occurredAt}`,
    event_name: eventName,
    aggregate_id: sessionId,
    occurred_at: new Date(occurredAt).toISOString(),
    payload: { sku: 'sku-1', quantity: 1, unit_price_cents: 100 },
  });
}

/**
 * The status page as an operator opens it: a live projector on real Kafka and Redis, read in
 * headless chromium. Record times are set by the test (a base ten minutes back, then seconds
 * after it), so the event-time lag it must show is known exactly. Redis writes are held
 * (CLIENT PAUSE WRITE) to keep a backlog in place while the page is read.
 */
describe('GET /status in a real browser', () => {
  it('shows checkpoints, watermarks, lag in records and seconds, readiness, dead letters and the last problem, escaped', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const redisServer = await startRedisServer();
    onCleanup(() => redisServer.stop());
    const harness = await projectorHarness(
      'status-page',
      { brokers: kafkaBrokers, redisUrl: redisServer.url },
      3,
      { HTTP_AUTH_TOKEN: TOKEN },
    );
    const cart = harness.topics.toPhysical('cart-events');
    const producer = createKafka(kafkaBrokers, 'status-page').producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    const send = (messages: { sessionId: string; name: string; at: number }[]) =>
      producer.send({
        topic: cart,
        messages: messages.map(({ sessionId, name, at }) => ({
          partition: 0,
          key: sessionId,
          value: cartEvent(sessionId, name, at),
          timestamp: String(at),
        })),
      });

    // Nine events, then the poison one, at base + 0 … 9 s, all on cart-events:0.
    await send([
      ...Array.from({ length: 9 }, (_, i) => ({
        sessionId: `s-${i}`,
        name: 'cart.item_added',
        at: base + i * 1000,
      })),
      { sessionId: 's-evil', name: EVIL_NAME, at: base + 9000 },
    ]);
    const projector = await harness.start();
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: new Map([['cart-events:0', '10']]),
      timeoutMs: 60_000,
    });

    const page = await openBrowserPage(TOKEN);
    const statusUrl = `http://127.0.0.1:${projector.port}/status`;
    expect((await page.goto(statusUrl))?.status()).toBe(200);
    expect(await partitionRow(page, cart, 0)).toEqual({
      checkpoint: '10',
      highWatermark: '10',
      lag: '0',
      lagSeconds: '0.0',
      state: 'running',
    });
    expect(await page.locator('#readiness h2').innerText()).toBe('Readiness: ready');
    expect(await page.locator('#active-generation').innerText()).toBe('base');
    expect(await page.locator('#fold-version').innerText()).toBe(String(FOLD_VERSION));
    expect(await page.locator('#fold-check').innerText()).toContain(
      'the active generation base records no fold version',
    );
    expect(logLines(projector, 'the active generation base records no fold version')).toHaveLength(
      1,
    );
    expect(await page.locator('#rebuilds').innerText()).toBe('No rebuild in progress.');
    expect(await page.locator('tr[data-reason="topic_mismatch"] td').allInnerTexts()).toEqual([
      'topic_mismatch',
      '1',
    ]);
    // The event name shows as text: no element was made of it, no handler ran.
    expect(await page.locator('#last-problem-message').innerText()).toContain(EVIL_NAME);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).toBe('checkout-projector status');

    // A backlog the projector cannot store: twenty events at base + 100 … 119 s.
    await harness.redis.call('CLIENT', 'PAUSE', '120000', 'WRITE');
    onCleanup(() => harness.redis.call('CLIENT', 'UNPAUSE').then(() => undefined));
    await send(
      Array.from({ length: 20 }, (_, i) => ({
        sessionId: `late-${i}`,
        name: 'cart.item_added',
        at: base + 100_000 + i * 1000,
      })),
    );
    await waitUntil(
      async () => {
        const text = await fetch(statusUrl, { headers: { authorization: `Bearer ${TOKEN}` } })
          .then((response) => response.text())
          .catch(() => '');
        return text.includes('NOT READY') && text.includes('cannot store the batch');
      },
      'the status page to show the stored batch retrying',
      60_000,
    );
    await page.goto(statusUrl);
    expect(await partitionRow(page, cart, 0), tail(projector)).toEqual({
      checkpoint: '10',
      highWatermark: '30',
      lag: '20',
      // The newest fetched event (base + 119 s) behind the newest stored one (base + 9 s).
      lagSeconds: '110.0',
      state: 'running',
    });
    expect(await page.locator('#readiness h2').innerText()).toBe('Readiness: NOT READY');
    expect(await page.locator('#readiness li').allInnerTexts()).toEqual([
      expect.stringMatching(/^source: cannot store the batch: /),
    ]);
    expect(await page.locator('#last-problem-message').innerText()).toMatch(
      /^Retrying: cannot store the batch: /,
    );
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Writes resume: the page follows the projector back to no lag.
    await harness.redis.call('CLIENT', 'UNPAUSE');
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: new Map([['cart-events:0', '30']]),
      timeoutMs: 60_000,
    });
    await waitUntil(
      async () =>
        (await page.reload())?.ok() === true && (await partitionRow(page, cart, 0)).lag === '0',
      'lag 0 on the page',
      30_000,
    );
    expect(await partitionRow(page, cart, 0)).toEqual({
      checkpoint: '30',
      highWatermark: '30',
      lag: '0',
      lagSeconds: '0.0',
      state: 'running',
    });
    console.info(`status page screenshot (with lag): ${join(SCREENSHOT)}`);
  });
});
