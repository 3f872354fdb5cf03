import { z } from 'zod';
import { MAX_CART_LINES, MAX_ITEM_COUNT, MAX_SECTION_TOTAL_CENTS } from './limits.ts';
import { moneySchema, textSchema } from './fields.ts';
import { err, ok, type Result } from './result.ts';
import { rejection, type Rejection } from './rejection.ts';
import type {
  CartItemAddedPayload,
  CartItemQuantityChangedPayload,
  CartItemRemovedPayload,
} from './cart-events.ts';

export const cartLineSchema = z.object({
  sku: textSchema,
  name: textSchema.nullable().describe('Last name given for this sku; null if never given.'),
  quantity: z.int().min(1),
  unit_price_cents: moneySchema.describe('Price of the last cart.item_added for this sku.'),
});
export type CartLine = z.output<typeof cartLineSchema>;

export const cartSectionSchema = z.object({
  lines: z
    .array(cartLineSchema)
    .max(MAX_CART_LINES)
    .describe('One line per sku, in first-added order.'),
});
export type CartSection = z.output<typeof cartSectionSchema>;

export function emptyCart(): CartSection {
  return { lines: [] };
}

export function addCartItem(
  cart: CartSection,
  payload: CartItemAddedPayload,
): Result<CartSection, Rejection> {
  const index = cart.lines.findIndex((line) => line.sku === payload.sku);
  const existing = cart.lines[index];
  if (existing === undefined) {
    if (cart.lines.length >= MAX_CART_LINES) {
      return err(
        rejection(
          'limit_exceeded',
          `payload.sku: cart already has ${MAX_CART_LINES} distinct lines, cannot add '${payload.sku}'`,
        ),
      );
    }
    const line: CartLine = {
      sku: payload.sku,
      name: payload.name ?? null,
      quantity: payload.quantity,
      unit_price_cents: payload.unit_price_cents,
    };
    return checkedCart([...cart.lines, line]);
  }
  return checkedCart(
    cart.lines.with(index, {
      sku: existing.sku,
      name: payload.name ?? existing.name,
      quantity: existing.quantity + payload.quantity,
      unit_price_cents: payload.unit_price_cents,
    }),
  );
}

export function removeCartItem(cart: CartSection, payload: CartItemRemovedPayload): CartSection {
  const index = cart.lines.findIndex((line) => line.sku === payload.sku);
  return index === -1 ? cart : { lines: cart.lines.toSpliced(index, 1) };
}

export function changeCartItemQuantity(
  cart: CartSection,
  payload: CartItemQuantityChangedPayload,
): Result<CartSection, Rejection> {
  const index = cart.lines.findIndex((line) => line.sku === payload.sku);
  const existing = cart.lines[index];
  if (existing === undefined) return ok(cart);
  if (payload.quantity === 0) return ok({ lines: cart.lines.toSpliced(index, 1) });
  return checkedCart(cart.lines.with(index, { ...existing, quantity: payload.quantity }));
}

export function clearCart(cart: CartSection): CartSection {
  return cart.lines.length === 0 ? cart : emptyCart();
}

/**
 * Rejects a cart whose subtotal or item count would leave its cap. Checked after every line:
 * below the cap each partial sum is exact, and float rounding is monotonic, so a true sum above
 * the cap never rounds back under it.
 */
function checkedCart(lines: CartLine[]): Result<CartSection, Rejection> {
  let subtotal = 0;
  let itemCount = 0;
  for (const line of lines) {
    subtotal += line.quantity * line.unit_price_cents;
    itemCount += line.quantity;
    if (subtotal > MAX_SECTION_TOTAL_CENTS) {
      return err(
        rejection(
          'amount_overflow',
          `payload: cart subtotal would exceed ${MAX_SECTION_TOTAL_CENTS} cents (line '${line.sku}')`,
        ),
      );
    }
    if (itemCount > MAX_ITEM_COUNT) {
      return err(
        rejection(
          'amount_overflow',
          `payload.quantity: cart item count would exceed ${MAX_ITEM_COUNT}`,
        ),
      );
    }
  }
  return ok({ lines });
}
