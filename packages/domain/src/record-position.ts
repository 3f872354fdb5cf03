import { isCheckoutTopic, type CheckoutTopic } from './topics.ts';

/** Where a record sits in Kafka. `offset` is a decimal string: Kafka offsets are int64. */
export interface RecordPosition {
  topic: CheckoutTopic;
  partition: number;
  offset: string;
}

/**
 * Keys of the usual partitions, built once per topic: a key built per record is a new string that
 * V8 must hash and internalise on every property lookup in `meta.offsets`. A hidden memo only,
 * bounded by the five topics and the partitions below the limit.
 */
const knownKeys = new Map<string, string[]>();
const MEMOISED_PARTITIONS = 1024;

/** The key of `meta.offsets` (and of the checkpoint hash fields): `"<topic>:<partition>"`. */
export function positionKey(position: Pick<RecordPosition, 'topic' | 'partition'>): string {
  const { topic, partition } = position;
  if (!isMemoised(topic, partition)) return `${topic}:${partition}`;
  let keys = knownKeys.get(topic);
  if (keys === undefined) knownKeys.set(topic, (keys = []));
  return (keys[partition] ??= `${topic}:${partition}`);
}

function isMemoised(topic: string, partition: number): boolean {
  return (
    isCheckoutTopic(topic) &&
    Number.isInteger(partition) &&
    partition >= 0 &&
    partition < MEMOISED_PARTITIONS
  );
}

/**
 * Compares two offsets as integers. Canonical decimals (the usual case) compare by length then
 * text, which is exact and allocates nothing; anything else goes through BigInt, which throws on a
 * non-integer string: a malformed position is a caller bug, not bad event data.
 */
export function compareOffsets(a: string, b: string): number {
  if (isCanonicalDecimal(a) && isCanonicalDecimal(b)) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** How many offsets lie from `from` up to `to` (lag, records to replay): 0 when `to` is not past it. */
export function recordsBetween(from: string, to: string): number {
  return compareOffsets(to, from) > 0 ? Number(BigInt(to) - BigInt(from)) : 0;
}

/** The lower of two offsets. */
export function lowerOffset(a: string, b: string): string {
  return compareOffsets(a, b) <= 0 ? a : b;
}

/** The offset right after `offset` (a checkpoint is the next offset to read). */
export function offsetAfter(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/** The offset right before `offset` (the last one read, from a checkpoint). */
export function offsetBefore(offset: string): string {
  return (BigInt(offset) - 1n).toString();
}

const ZERO = 48;
const NINE = 57;

/** `OFFSET_PATTERN` (`0` or digits without a leading zero), without a regex on the hot path. */
function isCanonicalDecimal(text: string): boolean {
  if (text.length === 0) return false;
  if (text.length > 1 && text.charCodeAt(0) === ZERO) return false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < ZERO || code > NINE) return false;
  }
  return true;
}
