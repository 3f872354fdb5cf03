import type { CheckoutEvent } from './event-catalog.ts';
import type { CheckoutOrder } from './order.ts';
import type { Rejection } from './rejection.ts';
import { ok, type Result } from './result.ts';
import { rememberEventId } from './recent-event-ids.ts';
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
  const changed = evolveSection(order, event);
  return changed.ok ? ok(recordApplied(changed.value, event)) : changed;
}

function evolveSection(
  order: CheckoutOrder,
  event: CheckoutEvent,
): Result<CheckoutOrder, Rejection> {
  switch (event.event_name) {
    case 'cart.item_added':
      return withSection(order, 'cart', addCartItem(order.cart, event.payload));
    case 'cart.item_removed':
      return ok({ ...order, cart: removeCartItem(order.cart, event.payload) });
    case 'cart.item_quantity_changed':
      return withSection(order, 'cart', changeCartItemQuantity(order.cart, event.payload));
    case 'cart.cleared':
      return ok({ ...order, cart: clearCart(order.cart) });
    case 'shipping.method_selected':
      return withSection(order, 'shipping', selectShippingMethod(order.shipping, event.payload));
    case 'shipping.address_provided':
      return ok({ ...order, shipping: provideShippingAddress(order.shipping, event.payload) });
    case 'shipping.delivery_date_selected':
      return ok({ ...order, shipping: selectDeliveryDate(order.shipping, event.payload) });
    case 'promotion.applied':
      return withSection(order, 'promotion', applyPromotion(order.promotion, event.payload));
    case 'promotion.code_applied':
      return withSection(order, 'promotion', applyPromotionCode(order.promotion, event.payload));
    case 'promotion.removed':
      return ok({ ...order, promotion: removePromotion(order.promotion, event.payload) });
    case 'services.availability_calculated':
      return ok({ ...order, services: setAvailableServices(order.services, event.payload) });
    case 'services.selected':
      return withSection(order, 'services', selectServices(order.services, event.payload));
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

function withSection<K extends 'cart' | 'shipping' | 'promotion' | 'services'>(
  order: CheckoutOrder,
  key: K,
  section: Result<CheckoutOrder[K], Rejection>,
): Result<CheckoutOrder, Rejection> {
  return section.ok ? ok({ ...order, [key]: section.value }) : section;
}

/** Bookkeeping every applied event does: timestamps (min/max, so order-independent) and meta. */
function recordApplied(order: CheckoutOrder, event: CheckoutEvent): CheckoutOrder {
  const at = event.occurred_at;
  return {
    ...order,
    created_at: order.created_at === null || at < order.created_at ? at : order.created_at,
    updated_at: order.updated_at === null || at > order.updated_at ? at : order.updated_at,
    meta: {
      event_count: order.meta.event_count + 1,
      offsets: order.meta.offsets,
      recent_event_ids: rememberEventId(order.meta.recent_event_ids, event.event_id),
    },
  };
}

function assertNever(event: never): never {
  throw new TypeError(`unhandled event: ${JSON.stringify(event)}`);
}
