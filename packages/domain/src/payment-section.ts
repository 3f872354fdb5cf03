import { z } from 'zod';
import { moneySchema, textSchema } from './fields.ts';
import type {
  PaymentFailedPayload,
  PaymentInitializedPayload,
  PaymentMethodSelectedPayload,
  PaymentSucceededPayload,
} from './payment-events.ts';

export const paymentStatusSchema = z.enum(['initialized', 'succeeded', 'failed']);
export type PaymentStatus = z.output<typeof paymentStatusSchema>;

/** Every field is `null` until its event arrives. */
export const paymentSectionSchema = z.object({
  method: textSchema.nullable(),
  status: paymentStatusSchema.nullable(),
  transaction_id: textSchema.nullable(),
  amount_cents: moneySchema
    .nullable()
    .describe('The amount the last payment.initialized announced; null if it gave none.'),
  failure_reason: textSchema
    .nullable()
    .describe('Set by payment.failed; cleared by payment.initialized and payment.succeeded.'),
});
export type PaymentSection = z.output<typeof paymentSectionSchema>;

export function emptyPayment(): PaymentSection {
  return {
    method: null,
    status: null,
    transaction_id: null,
    amount_cents: null,
    failure_reason: null,
  };
}

export function selectPaymentMethod(
  payment: PaymentSection,
  payload: PaymentMethodSelectedPayload,
): PaymentSection {
  return { ...payment, method: payload.method };
}

/** A new attempt: its amount replaces the last one (null when not announced). */
export function initializePayment(
  payment: PaymentSection,
  payload: PaymentInitializedPayload,
): PaymentSection {
  return {
    ...payment,
    status: 'initialized',
    transaction_id: payload.transaction_id,
    amount_cents: payload.amount_cents ?? null,
    failure_reason: null,
  };
}

export function succeedPayment(
  payment: PaymentSection,
  payload: PaymentSucceededPayload,
): PaymentSection {
  return {
    ...payment,
    status: 'succeeded',
    transaction_id: payload.transaction_id,
    failure_reason: null,
  };
}

/** Keeps the known transaction id when the failure does not name one. */
export function failPayment(
  payment: PaymentSection,
  payload: PaymentFailedPayload,
): PaymentSection {
  return {
    ...payment,
    status: 'failed',
    transaction_id: payload.transaction_id ?? payment.transaction_id,
    failure_reason: payload.reason ?? null,
  };
}
