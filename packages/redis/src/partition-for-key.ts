/**
 * Which partition a keyed record lands on: the Java client's and kafkajs' DefaultPartitioner,
 * `toPositive(murmur2(keyBytes)) % partitions` (Kafka's `Utils.murmur2`, seed 0x9747b28c).
 * Producers using another partitioner (librdkafka's default `consistent_random` is CRC32)
 * put sessions elsewhere: `checkout-rebuild --session` then needs `--partition`.
 */
export function partitionForKey(key: string | Buffer, partitions: number): number {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a whole number ≥ 1, got ${partitions}`);
  }
  return (
    (murmur2(typeof key === 'string' ? Buffer.from(key, 'utf8') : key) & 0x7fffffff) % partitions
  );
}

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's 32-bit murmur2, as a signed int32 (Math.imul keeps the low 32 bits like Java's int). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i += 1) {
    const at = i * 4;
    let k =
      byte(data, at) |
      (byte(data, at + 1) << 8) |
      (byte(data, at + 2) << 16) |
      (byte(data, at + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest >= 3) h ^= byte(data, tail + 2) << 16;
  if (rest >= 2) h ^= byte(data, tail + 1) << 8;
  if (rest >= 1) {
    h ^= byte(data, tail);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

function byte(data: Uint8Array, index: number): number {
  return data[index] ?? 0;
}
