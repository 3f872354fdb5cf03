import { z } from 'zod';
import { checkoutOrderSchema, type CheckoutOrder } from './order.ts';
import { orderStatusSchema, type OrderStatus } from './order-status.ts';
import { checkoutTotalsSchema, type CheckoutTotals } from './totals.ts';

export const SNAPSHOT_SCHEMA_VERSION = 1;

/**
 * The document stored at `checkout:order:{<sessionId>}` (SPEC §5): the order plus its computed
 * `status` and `totals`, so readers in any language need no fold. Published as JSON Schema in
 * packages/domain/schema/checkout-snapshot.schema.json (`pnpm generate:json-schema`).
 */
export const checkoutSnapshotSchema = z.object({
  schema_version: z
    .literal(SNAPSHOT_SCHEMA_VERSION)
    .describe('Bumped on any change a reader of this version could misread.'),
  ...checkoutOrderSchema.shape,
  status: orderStatusSchema.describe('Derived from payment.status (open when none).'),
  totals: checkoutTotalsSchema,
});

export type CheckoutSnapshot = { schema_version: 1 } & CheckoutOrder & {
    status: OrderStatus;
    totals: CheckoutTotals;
  };
