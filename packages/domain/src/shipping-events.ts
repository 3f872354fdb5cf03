import { z } from 'zod';
import { MAX_SHIPPING_METHOD_LENGTH } from './limits.ts';
import {
  currencyCodeSchema,
  moneySchema,
  optionalTextSchema,
  sessionReferenceSchema,
  textSchema,
} from './fields.ts';

/** Payloads of `shipping.*` events (topic `shipping-events`). */

export const shippingMethodSelectedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  method: z.string().min(1).max(MAX_SHIPPING_METHOD_LENGTH),
  cost_cents: moneySchema,
  currency: currencyCodeSchema.nullish(),
});
export type ShippingMethodSelectedPayload = z.output<typeof shippingMethodSelectedPayloadSchema>;

export const shippingAddressSchema = z.object({
  name: optionalTextSchema,
  line1: textSchema,
  line2: optionalTextSchema,
  city: textSchema,
  postal_code: textSchema,
  /** ISO 3166-1 alpha-2, upper case. */
  country: z.string().regex(/^[A-Z]{2}$/, { error: 'expected an ISO 3166-1 alpha-2 code' }),
});

export const shippingAddressProvidedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  address: shippingAddressSchema,
});
export type ShippingAddressProvidedPayload = z.output<typeof shippingAddressProvidedPayloadSchema>;

export const shippingDeliveryDateSelectedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  /** `YYYY-MM-DD`, a date that exists (the zod ISO date pattern knows month lengths and leap years). */
  delivery_date: z.iso.date(),
  slot: optionalTextSchema,
});
export type ShippingDeliveryDateSelectedPayload = z.output<
  typeof shippingDeliveryDateSelectedPayloadSchema
>;
