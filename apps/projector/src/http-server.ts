import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { CheckoutSnapshot, CheckoutTotals } from '@checkout/domain';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';
import type { Readiness } from './readiness.ts';

/** Read side of the projection, whichever store backs it. */
export interface CheckoutQueries {
  getOrder(sessionId: string): Promise<CheckoutSnapshot | null>;
  getTotals(sessionId: string): Promise<CheckoutTotals>;
}

export interface HttpServerOptions {
  queries: CheckoutQueries;
  readiness: Readiness;
  registry: Registry;
  log: Logger;
  /** False once the engine stopped for good (fatal alarm): liveness fails so it gets attention. */
  /** Why the process should be restarted, or null while it is alive and making progress. */
  liveness: () => string | null;
  /**
   * Why answers may be stale now (the store lost data and partitions replay), or null: sent
   * with every checkout answer as `X-Checkout-Stale`. @default never stale
   */
  staleness?: () => string | null;
}

const CHECKOUT_ROUTE = /^\/v1\/checkouts\/([^/]{1,200})(\/totals)?$/;

/**
 * GET /healthz, /readyz, /metrics, /v1/checkouts/:sessionId and /v1/checkouts/:sessionId/totals.
 * Five routes do not need a framework.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  return createServer((request, response) => {
    route(request, response, options).catch((error: unknown) => {
      options.log.error({ err: error, url: request.url }, 'request failed');
      if (!response.headersSent)
        sendJson(response, 503, { error: 'store_unavailable', message: messageOf(error) });
      else response.end();
    });
  });
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  options: HttpServerOptions,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return sendJson(response, 405, { error: 'method_not_allowed' });
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/healthz') {
    const problem = options.liveness();
    return problem === null
      ? sendJson(response, 200, { status: 'ok' })
      : sendJson(response, 500, { status: 'stopped', reason: problem });
  }
  if (path === '/readyz') {
    const report = options.readiness.report();
    return sendJson(response, report.ready ? 200 : 503, report);
  }
  if (path === '/metrics') {
    response.writeHead(200, { 'content-type': options.registry.contentType });
    response.end(await options.registry.metrics());
    return;
  }
  const match = CHECKOUT_ROUTE.exec(path);
  const encodedId = match?.[1];
  if (match && encodedId !== undefined) {
    const sessionId = decodeURIComponent(encodedId);
    const stale = options.staleness?.() ?? null;
    if (stale !== null) response.setHeader(STALE_HEADER, stale);
    if (match[2]) return sendJson(response, 200, await options.queries.getTotals(sessionId));
    const order = await options.queries.getOrder(sessionId);
    return order === null
      ? sendJson(response, 404, { error: 'not_found', session_id: sessionId })
      : sendJson(response, 200, order);
  }
  sendJson(response, 404, { error: 'not_found' });
}

/** Present on a checkout answer built while the projection replays (its value says why). */
export const STALE_HEADER = 'X-Checkout-Stale';

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
