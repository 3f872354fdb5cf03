import { z } from 'zod';
import { MAX_DISCOUNT_TOTAL_CENTS, MAX_PROMOTION_CODE_LENGTH, MAX_PROMOTIONS } from './limits.ts';
import { moneySchema, textSchema } from './fields.ts';
import { err, ok, type Result } from './result.ts';
import { rejection, type Rejection } from './rejection.ts';
import type {
  PromotionAppliedPayload,
  PromotionCodeAppliedPayload,
  PromotionRemovedPayload,
} from './promotion-events.ts';

export const appliedPromotionSchema = z.object({
  promotion_id: textSchema,
  name: textSchema.nullable(),
  code: z
    .string()
    .min(1)
    .max(MAX_PROMOTION_CODE_LENGTH)
    .nullable()
    .describe('Set by promotion.code_applied; kept by a later promotion.applied.'),
  discount_cents: moneySchema,
});
export type AppliedPromotion = z.output<typeof appliedPromotionSchema>;

export const promotionSectionSchema = z.object({
  applied: z
    .array(appliedPromotionSchema)
    .max(MAX_PROMOTIONS)
    .describe('One entry per promotion_id, in first-applied order.'),
});
export type PromotionSection = z.output<typeof promotionSectionSchema>;

export function emptyPromotion(): PromotionSection {
  return { applied: [] };
}

/** Upsert by id; an existing code (and a name when none is given) is kept. */
export function applyPromotion(
  section: PromotionSection,
  payload: PromotionAppliedPayload,
): Result<PromotionSection, Rejection> {
  return upsert(section, payload.promotion_id, (existing) => ({
    promotion_id: payload.promotion_id,
    name: payload.name ?? existing?.name ?? null,
    code: existing?.code ?? null,
    discount_cents: payload.discount_cents,
  }));
}

/** Upsert by id with the given code; an existing name is kept. */
export function applyPromotionCode(
  section: PromotionSection,
  payload: PromotionCodeAppliedPayload,
): Result<PromotionSection, Rejection> {
  return upsert(section, payload.promotion_id, (existing) => ({
    promotion_id: payload.promotion_id,
    name: existing?.name ?? null,
    code: payload.code,
    discount_cents: payload.discount_cents,
  }));
}

export function removePromotion(
  section: PromotionSection,
  payload: PromotionRemovedPayload,
): PromotionSection {
  const index = section.applied.findIndex((p) => p.promotion_id === payload.promotion_id);
  return index === -1 ? section : { applied: section.applied.toSpliced(index, 1) };
}

function upsert(
  section: PromotionSection,
  promotionId: string,
  build: (existing: AppliedPromotion | undefined) => AppliedPromotion,
): Result<PromotionSection, Rejection> {
  const index = section.applied.findIndex((p) => p.promotion_id === promotionId);
  const existing = section.applied[index];
  if (existing === undefined && section.applied.length >= MAX_PROMOTIONS) {
    return err(
      rejection(
        'limit_exceeded',
        `payload.promotion_id: ${MAX_PROMOTIONS} promotions already applied, cannot add '${promotionId}'`,
      ),
    );
  }
  const applied =
    existing === undefined
      ? [...section.applied, build(undefined)]
      : section.applied.with(index, build(existing));
  return checkedDiscounts(applied);
}

/** Same monotonic-rounding argument as the cart: the running sum is exact until it crosses. */
function checkedDiscounts(applied: AppliedPromotion[]): Result<PromotionSection, Rejection> {
  let total = 0;
  for (const promotion of applied) {
    total += promotion.discount_cents;
    if (total > MAX_DISCOUNT_TOTAL_CENTS) {
      return err(
        rejection(
          'amount_overflow',
          `payload.discount_cents: the sum of discounts would exceed ${MAX_DISCOUNT_TOTAL_CENTS} cents`,
        ),
      );
    }
  }
  return ok({ applied });
}
