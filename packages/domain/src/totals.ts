import { z } from 'zod';
import { currencyCodeSchema, moneySchema, textSchema } from './fields.ts';
import type { DomainConfig } from './config.ts';
import { initialCheckoutOrder, type CheckoutOrder } from './order.ts';
import { orderStatus, orderStatusSchema } from './order-status.ts';

/** All amounts in minor units; every one an exact integer (the fold's caps guarantee it). */
export const checkoutTotalsSchema = z.object({
  session_id: textSchema,
  currency: currencyCodeSchema,
  subtotal_cents: moneySchema.describe('Σ cart lines quantity × unit_price_cents.'),
  shipping_cents: moneySchema.describe('The shipping cost; 0 before a method is selected.'),
  services_cents: moneySchema.describe("Σ selected services' price_cents."),
  discount_cents: moneySchema.describe('min(Σ applied discounts, subtotal_cents).'),
  grand_total_cents: moneySchema.describe('subtotal + shipping + services − discount.'),
  item_count: z.int().min(0).describe('Σ cart line quantities.'),
  status: orderStatusSchema,
});
export type CheckoutTotals = z.output<typeof checkoutTotalsSchema>;

export function getTotals(order: CheckoutOrder): CheckoutTotals {
  let subtotal = 0;
  let itemCount = 0;
  for (const line of order.cart.lines) {
    subtotal += line.quantity * line.unit_price_cents;
    itemCount += line.quantity;
  }
  const shipping = order.shipping.cost_cents ?? 0;
  const services = sum(order.services.selected, (s) => s.price_cents);
  const discount = Math.min(
    sum(order.promotion.applied, (p) => p.discount_cents),
    subtotal,
  );
  return {
    session_id: order.session_id,
    currency: order.currency,
    subtotal_cents: subtotal,
    shipping_cents: shipping,
    services_cents: services,
    discount_cents: discount,
    grand_total_cents: subtotal + shipping + services - discount,
    item_count: itemCount,
    status: orderStatus(order),
  };
}

/** What an unknown session reads as: zeros, status `open` (like GetCheckoutTotalsHandler). */
export function emptyTotals(sessionId: string, config?: Partial<DomainConfig>): CheckoutTotals {
  return getTotals(initialCheckoutOrder(sessionId, config));
}

function sum<T>(items: readonly T[], amount: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += amount(item);
  return total;
}
