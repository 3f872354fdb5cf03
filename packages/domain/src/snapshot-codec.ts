import { z } from 'zod';
import type { CheckoutOrder } from './order.ts';
import { orderStatus } from './order-status.ts';
import { getTotals } from './totals.ts';
import { describeIssues } from './describe-issues.ts';
import { err, ok, type Result } from './result.ts';
import {
  checkoutSnapshotSchema,
  SNAPSHOT_SCHEMA_VERSION,
  type CheckoutSnapshot,
} from './snapshot-schema.ts';

// Compiled once: a cold session's first event reads its snapshot, so decoding is on a warm path.
const snapshotParser = z.compile(checkoutSnapshotSchema);

export type SnapshotDecodeError = { reason: 'corrupt' | 'unsupported_version'; message: string };

export function toSnapshot(order: CheckoutOrder): CheckoutSnapshot {
  return {
    schema_version: SNAPSHOT_SCHEMA_VERSION,
    ...order,
    status: orderStatus(order),
    totals: getTotals(order),
  };
}

/** Hot path (one call per stored write): a single stringify, no validation. */
export function encodeSnapshot(order: CheckoutOrder): string {
  return JSON.stringify(toSnapshot(order));
}

/**
 * Reads a stored snapshot back into an order. The stored `status` and `totals` are dropped: the
 * order is the source of truth and they are recomputed on the next write.
 */
export function decodeSnapshot(text: string): Result<CheckoutOrder, SnapshotDecodeError> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return err({ reason: 'corrupt', message: `snapshot is not valid JSON: ${messageOf(error)}` });
  }
  const version = versionOf(document);
  if (version !== undefined && version > SNAPSHOT_SCHEMA_VERSION) {
    return err({
      reason: 'unsupported_version',
      message:
        `snapshot schema_version ${version} is newer than the supported version ` +
        `${SNAPSHOT_SCHEMA_VERSION}: upgrade @checkout/domain to read it`,
    });
  }
  const parsed = snapshotParser.safeParse(document);
  if (!parsed.success) {
    return err({
      reason: 'corrupt',
      message: `snapshot does not match schema v${SNAPSHOT_SCHEMA_VERSION}: ${describeIssues(parsed.error, [], 'snapshot')}`,
    });
  }
  return ok(orderOf(parsed.data));
}

function orderOf(snapshot: CheckoutSnapshot): CheckoutOrder {
  return {
    session_id: snapshot.session_id,
    currency: snapshot.currency,
    cart: snapshot.cart,
    shipping: snapshot.shipping,
    promotion: snapshot.promotion,
    services: snapshot.services,
    payment: snapshot.payment,
    created_at: snapshot.created_at,
    updated_at: snapshot.updated_at,
    meta: snapshot.meta,
  };
}

function versionOf(document: unknown): number | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const version: unknown = (document as { schema_version?: unknown }).schema_version;
  return typeof version === 'number' && Number.isInteger(version) ? version : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
