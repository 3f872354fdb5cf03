/** The five Kafka topics the projection consumes; each one owns one section of the order. */
export const CHECKOUT_TOPICS = [
  'cart-events',
  'shipping-events',
  'promotion-events',
  'services-events',
  'payment-events',
] as const;

export type CheckoutTopic = (typeof CHECKOUT_TOPICS)[number];

export type SectionName = 'cart' | 'shipping' | 'promotion' | 'services' | 'payment';

const SECTION_OF_TOPIC: Readonly<Record<CheckoutTopic, SectionName>> = {
  'cart-events': 'cart',
  'shipping-events': 'shipping',
  'promotion-events': 'promotion',
  'services-events': 'services',
  'payment-events': 'payment',
};

export function isCheckoutTopic(t: string): t is CheckoutTopic {
  return Object.hasOwn(SECTION_OF_TOPIC, t);
}

export function sectionOfTopic(t: CheckoutTopic): SectionName {
  return SECTION_OF_TOPIC[t];
}
