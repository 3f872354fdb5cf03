// Results, topics, configuration, limits
export { type Result } from './result.ts';
export {
  CHECKOUT_TOPICS,
  isCheckoutTopic,
  sectionOfTopic,
  type CheckoutTopic,
  type SectionName,
} from './topics.ts';
export { DEFAULT_DOMAIN_CONFIG, type DomainConfig } from './config.ts';
export {
  MAX_CART_LINES,
  MAX_DISCOUNT_TOTAL_CENTS,
  MAX_ITEM_COUNT,
  MAX_PROMOTION_CODE_LENGTH,
  MAX_PROMOTIONS,
  MAX_QUANTITY,
  MAX_SECTION_TOTAL_CENTS,
  MAX_SERVICES,
  MAX_SHIPPING_METHOD_LENGTH,
  MAX_TEXT_LENGTH,
  RECENT_EVENT_IDS_LIMIT,
} from './limits.ts';
export { type Rejection, type RejectionReason } from './rejection.ts';

// Events: envelope, catalog, payloads
export { eventEnvelopeSchema, type EventEnvelope } from './envelope.ts';
export {
  CHECKOUT_EVENT_NAMES,
  CHECKOUT_EVENT_SCHEMA_VERSION,
  checkoutEventPayloadSchemas,
  isCheckoutEventName,
  type CheckoutEvent,
  type CheckoutEventName,
  type CheckoutEventOf,
  type CheckoutEventPayloads,
} from './event-catalog.ts';
export {
  cartClearedPayloadSchema,
  cartItemAddedPayloadSchema,
  cartItemQuantityChangedPayloadSchema,
  cartItemRemovedPayloadSchema,
  type CartClearedPayload,
  type CartItemAddedPayload,
  type CartItemQuantityChangedPayload,
  type CartItemRemovedPayload,
} from './cart-events.ts';
export {
  shippingAddressProvidedPayloadSchema,
  shippingAddressSchema,
  shippingDeliveryDateSelectedPayloadSchema,
  shippingMethodSelectedPayloadSchema,
  type ShippingAddressProvidedPayload,
  type ShippingDeliveryDateSelectedPayload,
  type ShippingMethodSelectedPayload,
} from './shipping-events.ts';
export {
  promotionAppliedPayloadSchema,
  promotionCodeAppliedPayloadSchema,
  promotionRemovedPayloadSchema,
  type PromotionAppliedPayload,
  type PromotionCodeAppliedPayload,
  type PromotionRemovedPayload,
} from './promotion-events.ts';
export {
  servicePayloadSchema,
  servicesAvailabilityCalculatedPayloadSchema,
  servicesSelectedPayloadSchema,
  type ServicePayload,
  type ServicesAvailabilityCalculatedPayload,
  type ServicesSelectedPayload,
} from './services-events.ts';
export {
  paymentFailedPayloadSchema,
  paymentInitializedPayloadSchema,
  paymentMethodSelectedPayloadSchema,
  paymentSucceededPayloadSchema,
  type PaymentFailedPayload,
  type PaymentInitializedPayload,
  type PaymentMethodSelectedPayload,
  type PaymentSucceededPayload,
} from './payment-events.ts';

// Parsing
export { parseCheckoutEvent, type ParsedMessage } from './parse.ts';
export { sessionIdOf } from './session-id.ts';

// State and the fold
export {
  cartLineSchema,
  cartSectionSchema,
  type CartLine,
  type CartSection,
} from './cart-section.ts';
export {
  shippingAddressStateSchema,
  shippingSectionSchema,
  type ShippingAddress,
  type ShippingSection,
} from './shipping-section.ts';
export {
  appliedPromotionSchema,
  promotionSectionSchema,
  type AppliedPromotion,
  type PromotionSection,
} from './promotion-section.ts';
export {
  serviceSchema,
  servicesSectionSchema,
  type Service,
  type ServicesSection,
} from './services-section.ts';
export {
  paymentSectionSchema,
  paymentStatusSchema,
  type PaymentSection,
  type PaymentStatus,
} from './payment-section.ts';
export {
  checkoutOrderSchema,
  initialCheckoutOrder,
  orderMetaSchema,
  type CheckoutOrder,
  type OrderMeta,
  withHistoryIncomplete,
} from './order.ts';
export { evolve } from './evolve.ts';
export { FOLD_VERSION } from './fold-version.ts';
export {
  compareOffsets,
  lowerOffset,
  offsetAfter,
  offsetBefore,
  positionKey,
  recordsBetween,
  type RecordPosition,
} from './record-position.ts';
export { applyEvent, type ApplyOutcome } from './apply-event.ts';
export { foldEvents } from './fold-events.ts';
export { comparableView } from './comparable-view.ts';

// Totals and the stored snapshot
export { orderStatus, orderStatusSchema, type OrderStatus } from './order-status.ts';
export { checkoutTotalsSchema, emptyTotals, getTotals, type CheckoutTotals } from './totals.ts';
export {
  checkoutSnapshotSchema,
  SNAPSHOT_SCHEMA_VERSION,
  type CheckoutSnapshot,
} from './snapshot-schema.ts';
export {
  decodeSnapshot,
  encodeSnapshot,
  toSnapshot,
  type SnapshotDecodeError,
} from './snapshot-codec.ts';
export {
  CHECKOUT_SNAPSHOT_JSON_SCHEMA_ID,
  checkoutSnapshotJsonSchema,
  renderCheckoutSnapshotJsonSchema,
} from './json-schema.ts';
