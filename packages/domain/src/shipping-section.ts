import { z } from 'zod';
import { MAX_SECTION_TOTAL_CENTS, MAX_SHIPPING_METHOD_LENGTH } from './limits.ts';
import { moneySchema, textSchema } from './fields.ts';
import { err, ok, type Result } from './result.ts';
import { rejection, type Rejection } from './rejection.ts';
import type {
  ShippingAddressProvidedPayload,
  ShippingDeliveryDateSelectedPayload,
  ShippingMethodSelectedPayload,
} from './shipping-events.ts';

export const shippingAddressStateSchema = z.object({
  name: textSchema.nullable(),
  line1: textSchema,
  line2: textSchema.nullable(),
  city: textSchema,
  postal_code: textSchema,
  country: z.string().regex(/^[A-Z]{2}$/),
});
export type ShippingAddress = z.output<typeof shippingAddressStateSchema>;

/** Every field is `null` until its event arrives, so readers always see the same keys. */
export const shippingSectionSchema = z.object({
  method: z.string().min(1).max(MAX_SHIPPING_METHOD_LENGTH).nullable(),
  cost_cents: moneySchema.max(MAX_SECTION_TOTAL_CENTS).nullable(),
  address: shippingAddressStateSchema.nullable(),
  delivery_date: z.iso.date().nullable().describe('YYYY-MM-DD'),
  delivery_slot: textSchema
    .nullable()
    .describe('The slot of the last shipping.delivery_date_selected; null if it gave none.'),
});
export type ShippingSection = z.output<typeof shippingSectionSchema>;

export function emptyShipping(): ShippingSection {
  return {
    method: null,
    cost_cents: null,
    address: null,
    delivery_date: null,
    delivery_slot: null,
  };
}

export function selectShippingMethod(
  shipping: ShippingSection,
  payload: ShippingMethodSelectedPayload,
): Result<ShippingSection, Rejection> {
  if (payload.cost_cents > MAX_SECTION_TOTAL_CENTS) {
    return err(
      rejection(
        'amount_overflow',
        `payload.cost_cents: ${payload.cost_cents} exceeds the shipping cap of ${MAX_SECTION_TOTAL_CENTS} cents`,
      ),
    );
  }
  return ok({ ...shipping, method: payload.method, cost_cents: payload.cost_cents });
}

export function provideShippingAddress(
  shipping: ShippingSection,
  payload: ShippingAddressProvidedPayload,
): ShippingSection {
  const { address } = payload;
  return {
    ...shipping,
    address: {
      name: address.name ?? null,
      line1: address.line1,
      line2: address.line2 ?? null,
      city: address.city,
      postal_code: address.postal_code,
      country: address.country,
    },
  };
}

export function selectDeliveryDate(
  shipping: ShippingSection,
  payload: ShippingDeliveryDateSelectedPayload,
): ShippingSection {
  return { ...shipping, delivery_date: payload.delivery_date, delivery_slot: payload.slot ?? null };
}
