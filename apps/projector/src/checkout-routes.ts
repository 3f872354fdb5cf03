import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CheckoutSnapshot, CheckoutTotals } from '@checkout/domain';
import { NotCaughtUpError, type ReadOptions, type Versioned } from '@checkout/redis';
import { sendJson } from './json-response.ts';
import { ifNoneMatchHits, parseReadQuery } from './read-query.ts';

/** Read side of the projection, whichever store backs it: every read with its version. */
export interface CheckoutQueries {
  readOrder(sessionId: string, options?: ReadOptions): Promise<Versioned<CheckoutSnapshot | null>>;
  readTotals(sessionId: string, options?: ReadOptions): Promise<Versioned<CheckoutTotals>>;
}

/**
 * `GET /v1/checkouts/:sessionId[/totals]` once the id is decoded:
 *
 * - `ETag: "<version>"`, the SHA-256 of the stored snapshot (the same value the TypeScript and
 *   PHP readers return); `If-None-Match` naming it answers 304 without a body. An unknown
 *   session has no version, so its empty totals carry no ETag.
 * - `?at_least=<topic>:<partition>:<offset>&timeout_ms=<n>` waits until the projection has
 *   applied those positions; 504 `not_caught_up`, with the positions still pending, when the
 *   timeout passes first.
 */
export async function serveCheckout(
  request: IncomingMessage,
  response: ServerResponse,
  read: { sessionId: string; totals: boolean; search: URLSearchParams; queries: CheckoutQueries },
): Promise<void> {
  const query = parseReadQuery(read.search);
  if (!query.ok) return sendJson(response, 400, { error: 'bad_request', message: query.error });
  let answer: Versioned<CheckoutSnapshot | CheckoutTotals | null>;
  try {
    answer = read.totals
      ? await read.queries.readTotals(read.sessionId, query.value)
      : await read.queries.readOrder(read.sessionId, query.value);
  } catch (error) {
    if (error instanceof NotCaughtUpError) {
      return sendJson(response, 504, {
        error: 'not_caught_up',
        message: error.message,
        pending: error.pending,
      });
    }
    // A position outside the checkout topics (normalisePositions): the client's mistake.
    if (error instanceof RangeError) {
      return sendJson(response, 400, { error: 'bad_request', message: error.message });
    }
    throw error;
  }
  if (answer.value === null) {
    return sendJson(response, 404, { error: 'not_found', session_id: read.sessionId });
  }
  if (answer.version === null) return sendJson(response, 200, answer.value);
  const etag = `"${answer.version}"`;
  const notModified = ifNoneMatchHits(request.headers['if-none-match'], etag);
  sendJson(response, notModified ? 304 : 200, answer.value, { etag });
}
