import { z } from 'zod';
import type { CheckoutOrder } from './order.ts';

export const orderStatusSchema = z.enum(['open', 'payment_pending', 'paid', 'payment_failed']);
export type OrderStatus = z.output<typeof orderStatusSchema>;

/** Derived from the payment section only (SPEC §4). */
export function orderStatus(order: CheckoutOrder): OrderStatus {
  switch (order.payment.status) {
    case 'succeeded':
      return 'paid';
    case 'failed':
      return 'payment_failed';
    case 'initialized':
      return 'payment_pending';
    case null:
      return 'open';
  }
}
