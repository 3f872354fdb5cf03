import { z } from 'zod';
import { MAX_PROMOTION_CODE_LENGTH } from './limits.ts';
import {
  currencyCodeSchema,
  moneySchema,
  optionalTextSchema,
  sessionReferenceSchema,
  textSchema,
} from './fields.ts';

/** Payloads of `promotion.*` events (topic `promotion-events`). */

export const promotionAppliedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  promotion_id: textSchema,
  name: optionalTextSchema,
  discount_cents: moneySchema,
  currency: currencyCodeSchema.nullish(),
});
export type PromotionAppliedPayload = z.output<typeof promotionAppliedPayloadSchema>;

export const promotionCodeAppliedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  code: z.string().min(1).max(MAX_PROMOTION_CODE_LENGTH),
  promotion_id: textSchema,
  discount_cents: moneySchema,
  currency: currencyCodeSchema.nullish(),
});
export type PromotionCodeAppliedPayload = z.output<typeof promotionCodeAppliedPayloadSchema>;

export const promotionRemovedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  promotion_id: textSchema,
});
export type PromotionRemovedPayload = z.output<typeof promotionRemovedPayloadSchema>;
