<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * Where a session's keys are (README, "Redis key layout" and "Redis Cluster"):
 *
 *   standalone  pointer `<ns>:active-generation`
 *               snapshot `<ns>:order:{<id>}`, or `<ns>:gen:<gen>:order:{<id>}`
 *   cluster     N = toPositive(murmur2(utf8(id))) % partitions (from `<ns>:layout`)
 *               pointer `{<ns>:p<N>}:active-generation`
 *               snapshot `{<ns>:p<N>}:order:<id>`, or `{<ns>:p<N>}:gen:<gen>:order:<id>`
 */
final class KeyLayout
{
    private function __construct(
        public readonly string $namespace,
        /** null on a standalone Redis, where the partition count plays no part. */
        public readonly ?int $partitions,
    ) {
        if (preg_match('/^[A-Za-z0-9_.-]{1,64}$/D', $namespace) !== 1) {
            throw new \InvalidArgumentException(
                'namespace must be 1–64 characters of [A-Za-z0-9_.-], got ' . json_encode($namespace)
            );
        }
    }

    public static function standalone(string $namespace = 'checkout'): self
    {
        return new self($namespace, null);
    }

    public static function cluster(string $namespace, int $partitions): self
    {
        if ($partitions < 1) {
            throw new \InvalidArgumentException("partitions must be ≥ 1, got $partitions");
        }
        return new self($namespace, $partitions);
    }

    /** The hash that records a cluster layout; absent = nothing written yet (or standalone). */
    public static function recordKey(string $namespace): string
    {
        return "$namespace:layout";
    }

    /**
     * The layout a `<ns>:layout` record describes (HGETALL reply), or null when there is none.
     *
     * @param array<string, string> $record
     */
    public static function fromRecord(string $namespace, array $record): ?self
    {
        if ($record === []) {
            return null;
        }
        $partitions = filter_var($record['partitions'] ?? '', FILTER_VALIDATE_INT);
        if (
            ($record['mode'] ?? null) === 'cluster'
            && ($record['hash'] ?? null) === 'kafka-murmur2'
            && ($record['version'] ?? null) === '1'
            && is_int($partitions) && $partitions >= 1
        ) {
            return self::cluster($namespace, $partitions);
        }
        if (($record['mode'] ?? null) === 'standalone') {
            return self::standalone($namespace);
        }
        throw new UnsupportedLayout(sprintf(
            '%s holds a key layout this reader does not know (%s): upgrade checkout/projection-reader.',
            self::recordKey($namespace),
            json_encode($record)
        ));
    }

    /** The partition (cluster) whose tag holds a session; null on a standalone Redis. */
    public function partitionOf(string $sessionId): ?int
    {
        return $this->partitions === null ? null : Murmur2::partition($sessionId, $this->partitions);
    }

    public function pointerKey(string $sessionId): string
    {
        return $this->root($this->partitionOf($sessionId), null) . ':active-generation';
    }

    public function snapshotKey(string $sessionId, ?string $generation): string
    {
        $root = $this->root($this->partitionOf($sessionId), $generation);
        return $this->partitions === null ? "$root:order:{{$sessionId}}" : "$root:order:$sessionId";
    }

    private function root(?int $partition, ?string $generation): string
    {
        $base = $partition === null ? $this->namespace : "{{$this->namespace}:p$partition}";
        if ($generation === null) {
            return $base;
        }
        if (preg_match('/^[A-Za-z0-9_.-]{1,64}$/D', $generation) !== 1) {
            throw new CorruptSnapshot('active generation pointer holds an invalid id ' . json_encode($generation));
        }
        return "$base:gen:$generation";
    }
}
