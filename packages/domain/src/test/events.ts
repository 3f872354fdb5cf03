import type { EventEnvelope } from '../envelope.ts';
import type {
  CheckoutEventName,
  CheckoutEventOf,
  CheckoutEventPayloads,
} from '../event-catalog.ts';

export const SESSION = 'session-1';
const BASE_TIME = Date.UTC(2025, 0, 1);
let sequence = 0;

type EnvelopeOverrides = Partial<Omit<EventEnvelope, 'event_name' | 'payload'>>;

/**
 * A parsed catalog event, as `parseCheckoutEvent` would hand it out. Each call gets a fresh
 * event_id and an occurred_at one second after the previous call's, unless overridden.
 */
export function anEvent<N extends CheckoutEventName>(
  name: N,
  payload: CheckoutEventPayloads[N],
  envelope: EnvelopeOverrides = {},
): CheckoutEventOf<N> {
  sequence += 1;
  return {
    event_id: `evt-${sequence}`,
    aggregate_id: SESSION,
    occurred_at: new Date(BASE_TIME + sequence * 1000).toISOString(),
    schema_version: 1,
    ...envelope,
    event_name: name,
    payload,
  };
}

/** A message value as a producer would publish it (before parsing), as a plain object. */
export function aMessage(
  eventName: string,
  payload: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  sequence += 1;
  return {
    event_id: `msg-${sequence}`,
    event_name: eventName,
    aggregate_id: SESSION,
    occurred_at: '2025-01-31T10:00:00+01:00',
    payload,
    ...overrides,
  };
}
