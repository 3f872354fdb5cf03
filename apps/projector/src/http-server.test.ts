import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { CheckoutSnapshot, CheckoutTotals } from '@checkout/domain';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, STALE_HEADER, type CheckoutQueries } from './http-server.ts';
import { createReadiness } from './readiness.ts';

const order = { session_id: 'a b/1', meta: { event_count: 3 } } as unknown as CheckoutSnapshot;
const totals = { item_count: 2, total_cents: 1000 } as unknown as CheckoutTotals;
const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

async function serve(
  queries: Partial<CheckoutQueries> = {},
  problem: string | null = null,
  stale: string | null = null,
  extra: { authToken?: string; logged?: string[] } = {},
) {
  const readiness = createReadiness(['source']);
  const registry = new Registry();
  const server = createHttpServer({
    queries: {
      readOrder: async (id) =>
        id === 'a b/1' ? { value: order, version: 'v3' } : { value: null, version: null },
      readTotals: async () => ({ value: totals, version: 'v3' }),
      ...queries,
    },
    readiness,
    registry,
    log: pino({ level: 'info' }, { write: (line: string) => void extra.logged?.push(line) }),
    liveness: () => problem,
    staleness: () => stale,
    statusPage: async () => '<!doctype html><title>status</title>',
    ...(extra.authToken === undefined ? {} : { authToken: extra.authToken }),
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string, method = 'GET', headers: Record<string, string> = {}) => {
    const response = await fetch(base + path, { method, headers });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      stale: response.headers.get(STALE_HEADER),
      cache: response.headers.get('cache-control'),
      nosniff: response.headers.get('x-content-type-options'),
      csp: response.headers.get('content-security-policy'),
      body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text,
    };
  };
  return { get, readiness };
}

describe('the projector HTTP API', () => {
  it('/healthz reports liveness: 200 while running, 500 once the engine stopped for good', async () => {
    expect((await (await serve()).get('/healthz')).body).toEqual({ status: 'ok' });
    const stopped = await (await serve({}, 'no batch stored for 301000 ms')).get('/healthz');
    expect([stopped.status, stopped.body]).toEqual([
      500,
      { status: 'stopped', reason: 'no batch stored for 301000 ms' },
    ]);
  });

  it('/readyz is 503 with the reasons until every component is ready, then 200', async () => {
    const { get, readiness } = await serve();
    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: { ready: false, components: { source: { ready: false, reason: 'starting' } } },
    });
    readiness.set('source', true);
    expect(await get('/readyz')).toMatchObject({ status: 200, body: { ready: true } });
  });

  it('/metrics serves the Prometheus registry', async () => {
    const metrics = await (await serve()).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
  });

  it('/v1/checkouts/:id and /totals read through the queries, URL-decoding the id', async () => {
    const { get } = await serve();
    expect(await get('/v1/checkouts/a%20b%2F1')).toMatchObject({ status: 200, body: order });
    expect(await get('/v1/checkouts/a%20b%2F1/totals')).toMatchObject({
      status: 200,
      body: totals,
    });
    expect(await get('/v1/checkouts/nobody')).toMatchObject({
      status: 404,
      body: { error: 'not_found', session_id: 'nobody' },
    });
  });

  it('answers 404 to unknown paths, 405 to other methods, 503 when the store fails', async () => {
    const { get } = await serve({
      readTotals: () => Promise.reject(new Error('redis reconnecting')),
    });
    expect((await get('/v1/orders')).status).toBe(404);
    expect((await get('/v1/checkouts/a/b/c')).status).toBe(404);
    expect((await get('/healthz', 'POST')).status).toBe(405);
    expect(await get('/v1/checkouts/x/totals')).toMatchObject({
      status: 503,
      body: { error: 'store_unavailable', message: 'redis reconnecting' },
    });
  });

  it('marks checkout answers built while the projection replays, and only those', async () => {
    const { get } = await serve({}, null, 'replaying cart-events:0 after the store lost data');
    expect((await get('/v1/checkouts/nobody/totals')).stale).toBe(
      'replaying cart-events:0 after the store lost data',
    );
    expect((await get('/healthz')).stale).toBeNull();
    expect((await (await serve()).get('/v1/checkouts/nobody/totals')).stale).toBeNull();
  });

  it('answers 400, logging nothing, for a session id that cannot be one', async () => {
    const logged: string[] = [];
    const { get } = await serve({}, null, null, { logged });
    for (const path of ['/v1/checkouts/%ZZ', '/v1/checkouts/a%00b', '/v1/checkouts/%E2%80/totals'])
      expect((await get(path)).status, path).toBe(400);
    expect(logged).toEqual([]);
    const fine = await get('/v1/checkouts/a%20b%2F1');
    expect([fine.status, fine.cache, fine.nosniff]).toEqual([200, 'no-store', 'nosniff']);
  });

  it('needs the bearer token on /v1/ when one is set, and leaves probes and metrics open', async () => {
    const token = 'a-long-enough-token-1234';
    const { get } = await serve({}, null, null, { authToken: token });
    expect((await get('/v1/checkouts/a%20b%2F1')).status).toBe(401);
    expect(
      (await get('/v1/checkouts/a%20b%2F1', 'GET', { authorization: 'Bearer nope' })).status,
    ).toBe(401);
    expect(
      (await get('/v1/checkouts/a%20b%2F1', 'GET', { authorization: `Bearer ${token}` })).status,
    ).toBe(200);
    expect((await get('/status')).status).toBe(401);
    expect((await get('/status', 'GET', { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
  });

  it('/status is HTML that may run no script and load nothing from elsewhere', async () => {
    const page = await (await serve()).get('/status');
    expect([page.status, page.type, page.cache, page.nosniff]).toEqual([
      200,
      'text/html; charset=utf-8',
      'no-store',
      'nosniff',
    ]);
    expect(page.csp).toContain("default-src 'none'");
    expect(page.csp).not.toContain('script-src');
    expect(page.body).toBe('<!doctype html><title>status</title>');
  });
});
