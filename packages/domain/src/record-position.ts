import type { CheckoutTopic } from './topics.ts';
import { OFFSET_PATTERN } from './order.ts';

/** Where a record sits in Kafka. `offset` is a decimal string: Kafka offsets are int64. */
export interface RecordPosition {
  topic: CheckoutTopic;
  partition: number;
  offset: string;
}

/** The key of `meta.offsets` (and of the checkpoint hash fields): `"<topic>:<partition>"`. */
export function positionKey(position: Pick<RecordPosition, 'topic' | 'partition'>): string {
  return `${position.topic}:${position.partition}`;
}

/**
 * Compares two offsets as integers. Canonical decimals (the usual case) compare by length then
 * text, which is exact and allocates nothing; anything else goes through BigInt, which throws on a
 * non-integer string: a malformed position is a caller bug, not bad event data.
 */
export function compareOffsets(a: string, b: string): number {
  if (OFFSET_PATTERN.test(a) && OFFSET_PATTERN.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
