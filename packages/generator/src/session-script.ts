import type { CheckoutTopic } from '@checkout/domain';
import type { SeededRandom } from './seeded-random.ts';

/** One event of a generated checkout session, before it is wrapped in an envelope. */
export interface ScriptedEvent {
  topic: CheckoutTopic;
  eventName: string;
  payload: Record<string, unknown>;
}

const SKUS = [
  'SKU-ESPRESSO',
  'SKU-GRINDER',
  'SKU-BEANS-1KG',
  'SKU-MILK-JUG',
  'SKU-FILTER',
  'SKU-SCALE',
  'SKU-MUG',
];
const CITIES = ['Warszawa', 'Kraków', 'Gdańsk', 'Poznań', 'Wrocław'];
const SERVICES = [
  { service_id: 'assembly', name: 'Assembly', price_cents: 4900 },
  { service_id: 'insurance', name: 'Extended warranty', price_cents: 12900 },
  { service_id: 'gift-wrap', name: 'Gift wrap', price_cents: 900 },
];

/**
 * A plausible checkout journey of `length` events: mostly cart activity, then shipping,
 * promotions, services and payment, in a realistic but random order.
 */
export function sessionScript(random: SeededRandom, length: number): ScriptedEvent[] {
  const events: ScriptedEvent[] = [];
  const skus = new Set<string>();
  for (let index = 0; index < length; index += 1) {
    const progress = index / length;
    events.push(nextEvent(random, progress, skus));
  }
  return events;
}

function nextEvent(random: SeededRandom, progress: number, skus: Set<string>): ScriptedEvent {
  const roll = random.next();
  if (skus.size === 0 || roll < 0.55 - progress * 0.2) return cartEvent(random, skus);
  if (roll < 0.7) return shippingEvent(random);
  if (roll < 0.8) return promotionEvent(random);
  if (roll < 0.88) return servicesEvent(random);
  return paymentEvent(random, progress);
}

function cartEvent(random: SeededRandom, skus: Set<string>): ScriptedEvent {
  const roll = random.next();
  if (skus.size === 0 || roll < 0.7) {
    const sku = random.pick(SKUS);
    skus.add(sku);
    return {
      topic: 'cart-events',
      eventName: 'cart.item_added',
      payload: {
        sku,
        name: `Item ${sku.slice(4).toLowerCase()}`,
        quantity: random.int(1, 3),
        unit_price_cents: random.int(199, 99_999),
        ...(random.chance(0.3) ? { currency: 'PLN' } : {}),
      },
    };
  }
  const sku = random.pick([...skus]);
  if (roll < 0.82) {
    return {
      topic: 'cart-events',
      eventName: 'cart.item_quantity_changed',
      payload: { sku, quantity: random.int(0, 5) },
    };
  }
  if (roll < 0.97)
    return { topic: 'cart-events', eventName: 'cart.item_removed', payload: { sku } };
  skus.clear();
  return { topic: 'cart-events', eventName: 'cart.cleared', payload: {} };
}

function shippingEvent(random: SeededRandom): ScriptedEvent {
  const roll = random.next();
  if (roll < 0.4) {
    const method = random.pick(['courier', 'parcel-locker', 'pickup']);
    return {
      topic: 'shipping-events',
      eventName: 'shipping.method_selected',
      payload: { method, cost_cents: method === 'pickup' ? 0 : random.int(999, 2499) },
    };
  }
  if (roll < 0.75) {
    return {
      topic: 'shipping-events',
      eventName: 'shipping.address_provided',
      payload: {
        address: {
          name: 'Jan Kowalski',
          line1: `ul. Prosta ${random.int(1, 200)}`,
          city: random.pick(CITIES),
          postal_code: `0${random.int(0, 9)}-${random.int(100, 999)}`,
          country: 'PL',
        },
      },
    };
  }
  const day = random.int(1, 28).toString().padStart(2, '0');
  return {
    topic: 'shipping-events',
    eventName: 'shipping.delivery_date_selected',
    payload: {
      delivery_date: `2026-12-${day}`,
      ...(random.chance(0.5) ? { slot: '08:00-12:00' } : {}),
    },
  };
}

function promotionEvent(random: SeededRandom): ScriptedEvent {
  const promotionId = `promo-${random.int(1, 4)}`;
  const roll = random.next();
  if (roll < 0.45) {
    return {
      topic: 'promotion-events',
      eventName: 'promotion.applied',
      payload: {
        promotion_id: promotionId,
        name: 'Winter sale',
        discount_cents: random.int(100, 5000),
      },
    };
  }
  if (roll < 0.8) {
    return {
      topic: 'promotion-events',
      eventName: 'promotion.code_applied',
      payload: {
        code: `CODE${random.int(10, 99)}`,
        promotion_id: promotionId,
        discount_cents: random.int(100, 3000),
      },
    };
  }
  return {
    topic: 'promotion-events',
    eventName: 'promotion.removed',
    payload: { promotion_id: promotionId },
  };
}

function servicesEvent(random: SeededRandom): ScriptedEvent {
  if (random.chance(0.5)) {
    return {
      topic: 'services-events',
      eventName: 'services.availability_calculated',
      payload: { services: SERVICES },
    };
  }
  const selected = SERVICES.filter(() => random.chance(0.4));
  return {
    topic: 'services-events',
    eventName: 'services.selected',
    payload: { services: selected },
  };
}

function paymentEvent(random: SeededRandom, progress: number): ScriptedEvent {
  const transactionId = `tx-${random.int(100_000, 999_999)}`;
  if (progress < 0.6 || random.chance(0.3)) {
    return {
      topic: 'payment-events',
      eventName: 'payment.method_selected',
      payload: { method: random.pick(['blik', 'card', 'transfer']) },
    };
  }
  const roll = random.next();
  if (roll < 0.5) {
    return {
      topic: 'payment-events',
      eventName: 'payment.initialized',
      payload: { transaction_id: transactionId, amount_cents: random.int(1000, 500_000) },
    };
  }
  if (roll < 0.85)
    return {
      topic: 'payment-events',
      eventName: 'payment.succeeded',
      payload: { transaction_id: transactionId },
    };
  return {
    topic: 'payment-events',
    eventName: 'payment.failed',
    payload: { transaction_id: transactionId, reason: 'card_declined' },
  };
}
