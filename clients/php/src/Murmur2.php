<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * Kafka's murmur2 (`Utils.murmur2`, the Java and kafkajs default partitioner), which decides
 * a session's partition and so, in cluster mode, its hash tag. Values are kept as unsigned
 * 32-bit integers inside PHP's 64-bit ints; every multiplication is split in 16-bit halves so
 * it never overflows into a float, and masked back to 32 bits.
 */
final class Murmur2
{
    private const SEED = 0x9747b28c;
    private const M = 0x5bd1e995;
    private const MASK = 0xffffffff;

    /** The signed 32-bit hash of `$bytes` (a PHP string is bytes: pass the UTF-8 session id). */
    public static function hash(string $bytes): int
    {
        $length = strlen($bytes);
        $h = (self::SEED ^ $length) & self::MASK;
        $blocks = intdiv($length, 4);
        for ($i = 0; $i < $blocks; $i++) {
            $k = unpack('V', $bytes, $i * 4)[1]; // 4 bytes, little-endian
            $k = self::mul($k, self::M);
            $k ^= $k >> 24;
            $k = self::mul($k, self::M);
            $h = self::mul($h, self::M) ^ $k;
        }
        $tail = $blocks * 4;
        switch ($length % 4) {
            case 3:
                $h ^= ord($bytes[$tail + 2]) << 16;
                // no break: Kafka's switch falls through
            case 2:
                $h ^= ord($bytes[$tail + 1]) << 8;
                // no break
            case 1:
                $h ^= ord($bytes[$tail]);
                $h = self::mul($h, self::M);
        }
        $h ^= $h >> 13;
        $h = self::mul($h, self::M);
        $h ^= $h >> 15;
        return $h >= 0x80000000 ? $h - 0x100000000 : $h;
    }

    /** The partition of a record keyed `$key`: `toPositive(murmur2(key)) % partitions`. */
    public static function partition(string $key, int $partitions): int
    {
        if ($partitions < 1) {
            throw new \InvalidArgumentException("partitions must be ≥ 1, got $partitions");
        }
        // toPositive is `h & 0x7fffffff`, not abs(): the two differ for negative hashes.
        return (self::hash($key) & 0x7fffffff) % $partitions;
    }

    /** `$a * $b` modulo 2^32, for unsigned 32-bit operands. */
    private static function mul(int $a, int $b): int
    {
        $low = ($a & 0xffff) * $b;
        $high = ((($a >> 16) * $b) & 0xffff) << 16;
        return ($low + $high) & self::MASK;
    }
}
