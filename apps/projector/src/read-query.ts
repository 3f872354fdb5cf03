import type { AppliedPosition, ReadOptions } from '@checkout/redis';

/** The longest a client may make `/v1/checkouts/…` wait for `at_least`. */
export const MAX_READ_TIMEOUT_MS = 30_000;

export type ReadQuery = { ok: true; value: ReadOptions } | { ok: false; error: string };

/**
 * Read-your-writes over HTTP: `?at_least=<topic>:<partition>:<offset>` (repeated, or
 * comma-separated), the positions the client's producer acknowledged, and `timeout_ms`
 * (default 5000, at most 30000). The offset and partition are the last two `:` fields:
 * Kafka topic names never hold a `:`.
 */
export function parseReadQuery(search: URLSearchParams): ReadQuery {
  const atLeast: AppliedPosition[] = [];
  for (const item of search.getAll('at_least').flatMap((value) => value.split(','))) {
    const match = /^([A-Za-z0-9._-]{1,249}):(0|[1-9][0-9]{0,8}):(0|[1-9][0-9]{0,18})$/.exec(item);
    if (match === null) {
      return {
        ok: false,
        error: 'at_least must be <topic>:<partition>:<offset>, e.g. cart-events:2:17',
      };
    }
    atLeast.push({ topic: match[1] ?? '', partition: Number(match[2]), offset: match[3] ?? '' });
  }
  const timeout = search.get('timeout_ms');
  if (timeout === null) return { ok: true, value: { atLeast } };
  const timeoutMs = /^[0-9]{1,6}$/.test(timeout) ? Number(timeout) : NaN;
  if (!(timeoutMs <= MAX_READ_TIMEOUT_MS)) {
    return {
      ok: false,
      error: `timeout_ms must be a whole number of milliseconds ≤ ${MAX_READ_TIMEOUT_MS}`,
    };
  }
  return { ok: true, value: { atLeast, timeoutMs } };
}

/** Whether an `If-None-Match` header names `etag` (a list of tags, `W/` ones included, or `*`). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
