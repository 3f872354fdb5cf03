import type { CheckoutEvent } from './event-catalog.ts';
import type { CheckoutOrder, OrderMeta } from './order.ts';
import type { Rejection } from './rejection.ts';
import { ok, type Result } from './result.ts';
import { rememberEventId } from './recent-event-ids.ts';
import type { CartSection } from './cart-section.ts';
import type { ShippingSection } from './shipping-section.ts';
import type { PromotionSection } from './promotion-section.ts';
import type { ServicesSection } from './services-section.ts';
import { addCartItem, changeCartItemQuantity, clearCart, removeCartItem } from './cart-section.ts';
import {
  provideShippingAddress,
  selectDeliveryDate,
  selectShippingMethod,
} from './shipping-section.ts';
import { applyPromotion, applyPromotionCode, removePromotion } from './promotion-section.ts';
import { selectServices, setAvailableServices } from './services-section.ts';
import {
  failPayment,
  initializePayment,
  selectPaymentMethod,
  succeedPayment,
} from './payment-section.ts';
import { foldVersionAfterApply } from './fold-version.ts';

/**
 * The fold: one event applied to the order. Each event changes only its own topic's section, and
 * every limit or overflow check reads only that section, which is what keeps the fold
 * deterministic whatever the interleaving of topics. Untouched sections are shared, not copied.
 *
 * Errors: only `limit_exceeded` and `amount_overflow`; everything else was checked at parse time.
 * No idempotency here: `applyEvent` guards against redelivery and duplicates.
 */
export function evolve(
  order: CheckoutOrder,
  event: CheckoutEvent,
): Result<CheckoutOrder, Rejection> {
  return evolveRecordingOffsets(order, event, order.meta.offsets);
}

/**
 * `evolve` with `meta.offsets` replaced by `offsets`: `applyEvent` records the record's position in
 * the same copy of the order instead of copying it a second time.
 */
export function evolveRecordingOffsets(
  order: CheckoutOrder,
  event: CheckoutEvent,
  offsets: CheckoutOrder['meta']['offsets'],
): Result<CheckoutOrder, Rejection> {
  const changed = evolveSection(order, event);
  if (changed.ok) recordApplied(changed.value, event, offsets);
  return changed;
}

/** Always a new order (never `order` itself), so `recordApplied` may finish it in place. */
function evolveSection(
  order: CheckoutOrder,
  event: CheckoutEvent,
): Result<CheckoutOrder, Rejection> {
  switch (event.event_name) {
    case 'cart.item_added':
      return withCart(order, addCartItem(order.cart, event.payload));
    case 'cart.item_removed':
      return ok({ ...order, cart: removeCartItem(order.cart, event.payload) });
    case 'cart.item_quantity_changed':
      return withCart(order, changeCartItemQuantity(order.cart, event.payload));
    case 'cart.cleared':
      return ok({ ...order, cart: clearCart(order.cart) });
    case 'shipping.method_selected':
      return withShipping(order, selectShippingMethod(order.shipping, event.payload));
    case 'shipping.address_provided':
      return ok({ ...order, shipping: provideShippingAddress(order.shipping, event.payload) });
    case 'shipping.delivery_date_selected':
      return ok({ ...order, shipping: selectDeliveryDate(order.shipping, event.payload) });
    case 'promotion.applied':
      return withPromotion(order, applyPromotion(order.promotion, event.payload));
    case 'promotion.code_applied':
      return withPromotion(order, applyPromotionCode(order.promotion, event.payload));
    case 'promotion.removed':
      return ok({ ...order, promotion: removePromotion(order.promotion, event.payload) });
    case 'services.availability_calculated':
      return ok({ ...order, services: setAvailableServices(order.services, event.payload) });
    case 'services.selected':
      return withServices(order, selectServices(order.services, event.payload));
    case 'payment.method_selected':
      return ok({ ...order, payment: selectPaymentMethod(order.payment, event.payload) });
    case 'payment.initialized':
      return ok({ ...order, payment: initializePayment(order.payment, event.payload) });
    case 'payment.succeeded':
      return ok({ ...order, payment: succeedPayment(order.payment, event.payload) });
    case 'payment.failed':
      return ok({ ...order, payment: failPayment(order.payment, event.payload) });
    default:
      return assertNever(event);
  }
}

// One helper per section rather than one with a computed key: `{ ...order, [key]: value }` is
// several times slower in V8 than a spread with a literal key.

function withCart(order: CheckoutOrder, cart: Result<CartSection, Rejection>) {
  return cart.ok ? ok({ ...order, cart: cart.value }) : cart;
}

function withShipping(order: CheckoutOrder, shipping: Result<ShippingSection, Rejection>) {
  return shipping.ok ? ok({ ...order, shipping: shipping.value }) : shipping;
}

function withPromotion(order: CheckoutOrder, promotion: Result<PromotionSection, Rejection>) {
  return promotion.ok ? ok({ ...order, promotion: promotion.value }) : promotion;
}

function withServices(order: CheckoutOrder, services: Result<ServicesSection, Rejection>) {
  return services.ok ? ok({ ...order, services: services.value }) : services;
}

/**
 * Bookkeeping every applied event does: timestamps (min/max, so order-independent) and meta.
 * Writes into `next`, the copy `evolveSection` just made (the caller's order is never touched):
 * one copy of the order per event instead of two.
 */
function recordApplied(
  next: CheckoutOrder,
  event: CheckoutEvent,
  offsets: CheckoutOrder['meta']['offsets'],
): void {
  const at = event.occurred_at;
  if (next.created_at === null || at < next.created_at) next.created_at = at;
  if (next.updated_at === null || at > next.updated_at) next.updated_at = at;
  const meta: OrderMeta = {
    event_count: next.meta.event_count + 1,
    offsets,
    recent_event_ids: rememberEventId(next.meta.recent_event_ids, event.event_id),
  };
  const foldVersion = foldVersionAfterApply(next.meta.fold_version);
  if (foldVersion !== undefined) meta.fold_version = foldVersion;
  if (next.meta.history_incomplete === true) meta.history_incomplete = true;
  next.meta = meta;
}

function assertNever(event: never): never {
  throw new TypeError(`unhandled event: ${JSON.stringify(event)}`);
}
