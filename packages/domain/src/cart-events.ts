import { z } from 'zod';
import { MAX_QUANTITY } from './limits.ts';
import {
  currencyCodeSchema,
  moneySchema,
  optionalTextSchema,
  sessionReferenceSchema,
  textSchema,
} from './fields.ts';

/** Payloads of `cart.*` events (topic `cart-events`). The session is `cart_id`, else aggregate_id. */

export const cartItemAddedPayloadSchema = z.object({
  cart_id: sessionReferenceSchema,
  sku: textSchema,
  name: optionalTextSchema,
  quantity: z.int().min(1).max(MAX_QUANTITY),
  unit_price_cents: moneySchema,
  currency: currencyCodeSchema.nullish(),
});
export type CartItemAddedPayload = z.output<typeof cartItemAddedPayloadSchema>;

export const cartItemRemovedPayloadSchema = z.object({
  cart_id: sessionReferenceSchema,
  sku: textSchema,
});
export type CartItemRemovedPayload = z.output<typeof cartItemRemovedPayloadSchema>;

export const cartItemQuantityChangedPayloadSchema = z.object({
  cart_id: sessionReferenceSchema,
  sku: textSchema,
  /** 0 removes the line. */
  quantity: z.int().min(0).max(MAX_QUANTITY),
});
export type CartItemQuantityChangedPayload = z.output<typeof cartItemQuantityChangedPayloadSchema>;

export const cartClearedPayloadSchema = z.object({
  cart_id: sessionReferenceSchema,
});
export type CartClearedPayload = z.output<typeof cartClearedPayloadSchema>;
