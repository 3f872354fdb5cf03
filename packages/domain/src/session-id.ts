import type { CheckoutEvent } from './event-catalog.ts';
import type { EventEnvelope } from './envelope.ts';
import { MAX_TEXT_LENGTH } from './limits.ts';

/**
 * The checkout session an event belongs to (SPEC §2): for `cart.*` events `payload.cart_id`,
 * for every other event `payload.session_id`, when it is a non-empty string; else `aggregate_id`.
 * For an ignored (unknown) event the payload is unchecked, so an over-long id also falls back.
 */
export function sessionIdOf(event: CheckoutEvent | EventEnvelope): string {
  const payload: Readonly<Record<string, unknown>> = event.payload;
  const reference = event.event_name.startsWith('cart.')
    ? payload['cart_id']
    : payload['session_id'];
  return typeof reference === 'string' &&
    reference.length > 0 &&
    reference.length <= MAX_TEXT_LENGTH
    ? reference
    : event.aggregate_id;
}
