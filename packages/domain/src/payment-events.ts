import { z } from 'zod';
import {
  currencyCodeSchema,
  moneySchema,
  optionalTextSchema,
  sessionReferenceSchema,
  textSchema,
} from './fields.ts';

/** Payloads of `payment.*` events (topic `payment-events`). */

export const paymentMethodSelectedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  method: textSchema,
});
export type PaymentMethodSelectedPayload = z.output<typeof paymentMethodSelectedPayloadSchema>;

export const paymentInitializedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  transaction_id: textSchema,
  amount_cents: moneySchema.nullish(),
  currency: currencyCodeSchema.nullish(),
});
export type PaymentInitializedPayload = z.output<typeof paymentInitializedPayloadSchema>;

export const paymentSucceededPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  transaction_id: textSchema,
});
export type PaymentSucceededPayload = z.output<typeof paymentSucceededPayloadSchema>;

export const paymentFailedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  transaction_id: optionalTextSchema,
  reason: optionalTextSchema,
});
export type PaymentFailedPayload = z.output<typeof paymentFailedPayloadSchema>;
