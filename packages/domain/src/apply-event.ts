import type { CheckoutEvent } from './event-catalog.ts';
import type { CheckoutOrder } from './order.ts';
import type { Rejection } from './rejection.ts';
import { evolveRecordingOffsets } from './evolve.ts';
import { compareOffsets, positionKey, type RecordPosition } from './record-position.ts';
import { isRecentEventId } from './recent-event-ids.ts';

export type ApplyOutcome =
  | { status: 'applied'; order: CheckoutOrder }
  | { status: 'skipped'; reason: 'offset_already_applied' | 'duplicate_event_id' }
  | { status: 'rejected'; rejection: Rejection };

/**
 * One record through the idempotency guards, then the fold (SPEC §4 "Idempotent"):
 * 1. a position at or below the offset already applied for its topic-partition is a redelivery;
 * 2. an event id among the last applied ids is a republished duplicate;
 * 3. otherwise `evolve`, and an applied record moves `meta.offsets` to its offset.
 * Skipped and rejected records leave the order as it was (and record no offset).
 */
export function applyEvent(
  order: CheckoutOrder,
  event: CheckoutEvent,
  position?: RecordPosition,
): ApplyOutcome {
  if (position === undefined) return guardedEvolve(order, event, order.meta.offsets);
  const key = positionKey(position);
  if (isRedelivery(order, key, position.offset)) {
    return { status: 'skipped', reason: 'offset_already_applied' };
  }
  return guardedEvolve(order, event, withOffset(order.meta.offsets, key, position.offset));
}

/** Steps 2 and 3; `offsets` is what the applied order's `meta.offsets` becomes. */
function guardedEvolve(
  order: CheckoutOrder,
  event: CheckoutEvent,
  offsets: CheckoutOrder['meta']['offsets'],
): ApplyOutcome {
  if (isRecentEventId(order.meta.recent_event_ids, event.event_id)) {
    return { status: 'skipped', reason: 'duplicate_event_id' };
  }
  const evolved = evolveRecordingOffsets(order, event, offsets);
  if (!evolved.ok) return { status: 'rejected', rejection: evolved.error };
  return { status: 'applied', order: evolved.value };
}

function isRedelivery(order: CheckoutOrder, key: string, offset: string): boolean {
  const applied = order.meta.offsets[key];
  return applied !== undefined && compareOffsets(offset, applied) <= 0;
}

function withOffset(
  offsets: CheckoutOrder['meta']['offsets'],
  key: string,
  offset: string,
): CheckoutOrder['meta']['offsets'] {
  // Copy, then set: a computed key inside the spread literal is several times slower in V8.
  const next = { ...offsets };
  next[key] = offset;
  return next;
}
