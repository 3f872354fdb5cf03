import type { z } from 'zod';
import type { EventEnvelope } from './envelope.ts';
import {
  cartClearedPayloadSchema,
  cartItemAddedPayloadSchema,
  cartItemQuantityChangedPayloadSchema,
  cartItemRemovedPayloadSchema,
} from './cart-events.ts';
import {
  shippingAddressProvidedPayloadSchema,
  shippingDeliveryDateSelectedPayloadSchema,
  shippingMethodSelectedPayloadSchema,
} from './shipping-events.ts';
import {
  promotionAppliedPayloadSchema,
  promotionCodeAppliedPayloadSchema,
  promotionRemovedPayloadSchema,
} from './promotion-events.ts';
import {
  servicesAvailabilityCalculatedPayloadSchema,
  servicesSelectedPayloadSchema,
} from './services-events.ts';
import {
  paymentFailedPayloadSchema,
  paymentInitializedPayloadSchema,
  paymentMethodSelectedPayloadSchema,
  paymentSucceededPayloadSchema,
} from './payment-events.ts';

/** The event catalog, schema_version 1 (SPEC §3): event name → payload schema. */
export const checkoutEventPayloadSchemas = {
  'cart.item_added': cartItemAddedPayloadSchema,
  'cart.item_removed': cartItemRemovedPayloadSchema,
  'cart.item_quantity_changed': cartItemQuantityChangedPayloadSchema,
  'cart.cleared': cartClearedPayloadSchema,
  'shipping.method_selected': shippingMethodSelectedPayloadSchema,
  'shipping.address_provided': shippingAddressProvidedPayloadSchema,
  'shipping.delivery_date_selected': shippingDeliveryDateSelectedPayloadSchema,
  'promotion.applied': promotionAppliedPayloadSchema,
  'promotion.code_applied': promotionCodeAppliedPayloadSchema,
  'promotion.removed': promotionRemovedPayloadSchema,
  'services.availability_calculated': servicesAvailabilityCalculatedPayloadSchema,
  'services.selected': servicesSelectedPayloadSchema,
  'payment.method_selected': paymentMethodSelectedPayloadSchema,
  'payment.initialized': paymentInitializedPayloadSchema,
  'payment.succeeded': paymentSucceededPayloadSchema,
  'payment.failed': paymentFailedPayloadSchema,
} as const;

export type CheckoutEventName = keyof typeof checkoutEventPayloadSchemas;

export const CHECKOUT_EVENT_NAMES = Object.freeze(
  Object.keys(checkoutEventPayloadSchemas),
) as readonly CheckoutEventName[];

/** The only schema_version of the catalog this code knows. */
export const CHECKOUT_EVENT_SCHEMA_VERSION = 1;

export function isCheckoutEventName(name: string): name is CheckoutEventName {
  return Object.hasOwn(checkoutEventPayloadSchemas, name);
}

export type CheckoutEventPayloads = {
  [N in CheckoutEventName]: z.output<(typeof checkoutEventPayloadSchemas)[N]>;
};

/** One catalog event: the envelope fields with a literal `event_name` and its typed payload. */
export type CheckoutEventOf<N extends CheckoutEventName> = Omit<
  EventEnvelope,
  'event_name' | 'payload'
> & { event_name: N; payload: CheckoutEventPayloads[N] };

/** Discriminated on `event_name`. */
export type CheckoutEvent = { [N in CheckoutEventName]: CheckoutEventOf<N> }[CheckoutEventName];
