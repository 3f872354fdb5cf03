import type { ServerResponse } from 'node:http';

/**
 * Every answer may hold personal data (addresses, payment status): never cached by a proxy or
 * a browser, never sniffed into another type.
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  response.end(status === 304 ? undefined : JSON.stringify(body));
}
