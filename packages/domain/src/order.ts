import { z } from 'zod';
import { RECENT_EVENT_IDS_LIMIT } from './limits.ts';
import { currencyCodeSchema, textSchema, utcTimestampSchema } from './fields.ts';
import { resolveDomainConfig, type DomainConfig } from './config.ts';
import { cartSectionSchema, emptyCart } from './cart-section.ts';
import { emptyShipping, shippingSectionSchema } from './shipping-section.ts';
import { emptyPromotion, promotionSectionSchema } from './promotion-section.ts';
import { emptyServices, servicesSectionSchema } from './services-section.ts';
import { emptyPayment, paymentSectionSchema } from './payment-section.ts';
import { FOLD_VERSION } from './fold-version.ts';

/** `"<topic>:<partition>"`, e.g. `cart-events:3`. */
export const OFFSET_KEY_PATTERN =
  /^(?:cart|shipping|promotion|services|payment)-events:(?:0|[1-9][0-9]*)$/;
/** A Kafka offset (int64) as a canonical decimal string. */
export const OFFSET_PATTERN = /^(?:0|[1-9][0-9]*)$/;

export const orderMetaSchema = z.object({
  event_count: z.int().min(0).describe('Applied events; skipped and rejected ones do not count.'),
  offsets: z
    .record(z.string().regex(OFFSET_KEY_PATTERN), z.string().regex(OFFSET_PATTERN))
    .describe('"<topic>:<partition>" → last applied offset (decimal string, Kafka int64).'),
  recent_event_ids: z
    .array(textSchema)
    .max(RECENT_EVENT_IDS_LIMIT)
    .describe('The last applied event ids, newest last: the duplicate guard.'),
  fold_version: z
    .int()
    .min(1)
    .optional()
    .describe(
      'The oldest fold version (FOLD_VERSION of @checkout/domain) that applied an event to ' +
        'this document; a rebuild writes it afresh with its own. Absent on documents written ' +
        'before fold versions were recorded.',
    ),
  history_incomplete: z
    .literal(true)
    .optional()
    .describe(
      'Present (true) when events were folded onto this session after its earlier snapshot ' +
        'was gone from the store (expired, evicted or deleted while its checkpoint remained): ' +
        'the document then lacks the effect of that earlier history. Absent otherwise.',
    ),
});
export type OrderMeta = z.output<typeof orderMetaSchema>;

/** The projection of one checkout session: one section per topic, each changed only by it. */
export const checkoutOrderSchema = z.object({
  session_id: textSchema,
  currency: currencyCodeSchema,
  cart: cartSectionSchema,
  shipping: shippingSectionSchema,
  promotion: promotionSectionSchema,
  services: servicesSectionSchema,
  payment: paymentSectionSchema,
  created_at: utcTimestampSchema
    .nullable()
    .describe('Earliest occurred_at of the applied events (UTC, ms); null before the first.'),
  updated_at: utcTimestampSchema
    .nullable()
    .describe('Latest occurred_at of the applied events (UTC, ms); null before the first.'),
  meta: orderMetaSchema,
});
export type CheckoutOrder = z.output<typeof checkoutOrderSchema>;

/**
 * The order marked as folded onto lost history (see `meta.history_incomplete`). The mark is
 * sticky: every later event keeps it, so the document never passes for the full fold again
 * until a rebuild replaces it.
 */
export function withHistoryIncomplete(order: CheckoutOrder): CheckoutOrder {
  return { ...order, meta: { ...order.meta, history_incomplete: true } };
}

export function initialCheckoutOrder(
  sessionId: string,
  config?: Partial<DomainConfig>,
): CheckoutOrder {
  return {
    session_id: sessionId,
    currency: resolveDomainConfig(config).currency,
    cart: emptyCart(),
    shipping: emptyShipping(),
    promotion: emptyPromotion(),
    services: emptyServices(),
    payment: emptyPayment(),
    created_at: null,
    updated_at: null,
    meta: { event_count: 0, offsets: {}, recent_event_ids: [], fold_version: FOLD_VERSION },
  };
}
