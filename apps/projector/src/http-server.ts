import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { serveCheckout, type CheckoutQueries } from './checkout-routes.ts';
import { sendJson } from './json-response.ts';
import type { Logger } from './logger.ts';
import type { Readiness } from './readiness.ts';

export type { CheckoutQueries } from './checkout-routes.ts';

export interface HttpServerOptions {
  queries: CheckoutQueries;
  readiness: Readiness;
  registry: Registry;
  log: Logger;
  /** Why the process should be restarted, or null while it is alive and making progress. */
  liveness: () => string | null;
  /**
   * Why answers may be stale now (the store lost data and partitions replay), or null: sent
   * with every checkout answer as `X-Checkout-Stale`. @default never stale
   */
  staleness?: () => string | null;
  /** The `/status` page, rendered (status-page.ts). */
  statusPage: () => Promise<string>;
  /** When set, `/v1/` and `/status` need `Authorization: Bearer <authToken>` (HTTP_AUTH_TOKEN). */
  authToken?: string;
}

const CHECKOUT_ROUTE = /^\/v1\/checkouts\/([^/]{1,200})(\/totals)?$/;

/**
 * GET /healthz, /readyz, /metrics, /status, /v1/checkouts/:sessionId and
 * /v1/checkouts/:sessionId/totals. Six routes do not need a framework.
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
  const url = new URL(request.url ?? '/', 'http://localhost');
  const path = url.pathname;
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
  // /status names sessions in error messages, as the checkout answers hold personal data.
  if ((path.startsWith('/v1/') || path === '/status') && !authorized(request, options.authToken)) {
    response.setHeader('WWW-Authenticate', 'Bearer');
    return sendJson(response, 401, { error: 'unauthorized' });
  }
  if (path === '/status') return sendHtml(response, await options.statusPage());
  const match = CHECKOUT_ROUTE.exec(path);
  const encodedId = match?.[1];
  if (match && encodedId !== undefined) {
    const sessionId = sessionIdFromPath(encodedId);
    if (sessionId === null) {
      return sendJson(response, 400, {
        error: 'bad_request',
        message:
          'the session id must be valid percent-encoded UTF-8, 1–200 characters, without control characters',
      });
    }
    const stale = options.staleness?.() ?? null;
    if (stale !== null) response.setHeader(STALE_HEADER, stale);
    const read = { sessionId, totals: match[2] !== undefined, search: url.searchParams };
    return serveCheckout(request, response, { ...read, queries: options.queries });
  }
  sendJson(response, 404, { error: 'not_found' });
}

/** Present on a checkout answer built while the projection replays (its value says why). */
export const STALE_HEADER = 'X-Checkout-Stale';

/**
/**
 * The status page: no script may run and nothing may load from elsewhere, whatever a value
 * that slipped past the escaping would say; only the page's own style element applies.
 */
function sendHtml(response: ServerResponse, page: string): void {
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
  response.end(page);
}

/**
 * The session id of a `/v1/checkouts/<id>` path, or null when it cannot be one: bad
 * percent-encoding, more than 200 characters (SPEC §2), or control characters, which no
 * checkout producer sends and which would reach logs and keys verbatim.
 */
export function sessionIdFromPath(encoded: string): string | null {
  let sessionId: string;
  try {
    sessionId = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  if (sessionId.length === 0 || sessionId.length > 200) return null;
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  return /[\u0000-\u001f\u007f-\u009f]/.test(sessionId) ? null : sessionId;
}

/** Bearer token check, in constant time; no token configured = open. */
function authorized(request: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = request.headers.authorization ?? '';
  const presented = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '', 'utf8');
  const expected = Buffer.from(token, 'utf8');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
