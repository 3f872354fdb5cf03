import type { CheckoutTotals } from '@checkout/domain';

/** A side of the experiment: the session's totals, however that side finds them. */
export type TotalsSource = (sessionId: string) => Promise<CheckoutTotals>;

export type ShadowOutcome = 'match' | 'mismatch' | 'legacy_error' | 'projection_error';

/** Options for {@link createShadowReader}. */
export interface ShadowReaderOptions {
  /** The old read path (other services' keys), supplied by the service. */
  legacy: TotalsSource;
  /** The new one: `reader.getTotals` of `createCheckoutReader`, bound. */
  projection: TotalsSource;
  /** Which side answers the caller. @default 'legacy' (migration phase 4) */
  serve?: 'legacy' | 'projection';
  /** Counts mismatching fields, e.g. a prom-client `Counter<'field'>`. @default none */
  mismatches?: { inc(labels: { field: string }): void };
  /** Counts comparisons by outcome, e.g. a prom-client `Counter<'outcome'>`. @default none */
  comparisons?: { inc(labels: { outcome: ShadowOutcome }): void };
  /** Where a sample of the mismatches goes, e.g. a pino logger. @default none */
  log?: { warn(fields: Record<string, unknown>, message: string): void };
  /** Most mismatches logged per window; the rest are only counted. @default 10 */
  sampleLimit?: number;
  /** @default 60000 */
  sampleWindowMs?: number;
  /** The clock of the sample window. @default performance.now */
  now?: () => number;
}

export interface ShadowStats {
  compared: number;
  mismatched: number;
  byField: Record<string, number>;
  errors: { legacy: number; projection: number };
}

export interface ShadowReader {
  /** The served side's totals; the other side is compared, never answers nor throws. */
  getTotals(sessionId: string, context?: { correlationId?: string }): Promise<CheckoutTotals>;
  /** Counts since start: what phase 6 ("delete the old repositories") waits to see at zero. */
  stats(): ShadowStats;
}

/**
 * The dual-read phase of the migration, as a scientist-style experiment: both read paths run
 * side by side on every call, the served one answers (its failure is the caller's), and the
 * other is only compared: its failure is counted as `<side>_error`, its answer never
 * reaches the caller. Totals are compared field by field; each differing field is counted,
 * and a bounded sample (at most `sampleLimit` per window) is logged with the session id,
 * the correlation id and both values of the differing fields, so that a mismatch can be
 * traced to its events without flooding the logs.
 */
export function createShadowReader(options: ShadowReaderOptions): ShadowReader {
  const serve = options.serve ?? 'legacy';
  const limit = options.sampleLimit ?? 10;
  const windowMs = options.sampleWindowMs ?? 60_000;
  const now = options.now ?? (() => performance.now());
  const stats: ShadowStats = {
    compared: 0,
    mismatched: 0,
    byField: {},
    errors: { legacy: 0, projection: 0 },
  };
  let windowStart = Number.NEGATIVE_INFINITY;
  let loggedInWindow = 0;
  let suppressed = 0;

  function record(outcome: ShadowOutcome): void {
    options.comparisons?.inc({ outcome });
  }

  function shouldLog(): boolean {
    if (now() - windowStart >= windowMs) {
      windowStart = now();
      loggedInWindow = 0;
    }
    if (loggedInWindow >= limit) {
      suppressed += 1;
      return false;
    }
    loggedInWindow += 1;
    return true;
  }

  function compare(
    sessionId: string,
    legacy: CheckoutTotals,
    projection: CheckoutTotals,
    correlationId?: string,
  ) {
    stats.compared += 1;
    const fields = differingFields(legacy, projection);
    if (fields.length === 0) return record('match');
    stats.mismatched += 1;
    record('mismatch');
    for (const field of fields) {
      stats.byField[field] = (stats.byField[field] ?? 0) + 1;
      options.mismatches?.inc({ field });
    }
    if (!shouldLog()) return;
    options.log?.warn(
      {
        session_id: sessionId,
        correlation_id: correlationId ?? null,
        fields,
        legacy: pick(legacy, fields),
        projection: pick(projection, fields),
        mismatches_not_logged: suppressed,
      },
      'shadow read: legacy and projection totals differ',
    );
    suppressed = 0;
  }

  return {
    async getTotals(sessionId, context = {}) {
      const [legacy, projection] = await Promise.allSettled([
        options.legacy(sessionId),
        options.projection(sessionId),
      ]);
      if (legacy.status === 'fulfilled' && projection.status === 'fulfilled') {
        compare(sessionId, legacy.value, projection.value, context.correlationId);
      } else {
        if (legacy.status === 'rejected') stats.errors.legacy += 1;
        if (projection.status === 'rejected') stats.errors.projection += 1;
        if (legacy.status === 'rejected') record('legacy_error');
        if (projection.status === 'rejected') record('projection_error');
      }
      const served = serve === 'legacy' ? legacy : projection;
      if (served.status === 'rejected') throw served.reason;
      return served.value;
    },
    stats: () => structuredClone(stats),
  };
}

/** The totals fields whose values differ, in the totals' own order. */
export function differingFields(a: CheckoutTotals, b: CheckoutTotals): Array<keyof CheckoutTotals> {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof CheckoutTotals>;
  return [...fields].filter((field) => a[field] !== b[field]);
}

function pick(
  totals: CheckoutTotals,
  fields: ReadonlyArray<keyof CheckoutTotals>,
): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, totals[field] ?? null]));
}
