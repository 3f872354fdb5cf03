<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * Reads the CheckoutOrder projection exactly as the README's protocol says, the same steps
 * as the TypeScript `createCheckoutReader`:
 *
 *   1. the layout: standalone on a `\Redis` client; on a `\RedisCluster` client the partition
 *      count recorded in `<ns>:layout` (read until it exists, then kept: it never changes);
 *   2. the session's active-generation pointer, read on every call (never cached, so every
 *      reader sees a blue/green switch at the same instant);
 *   3. the snapshot under that generation; when it is absent, the pointer once more, and if
 *      it changed the snapshot under the new generation (the old one may have been switched
 *      away from and dropped between the two GETs);
 *   4. the document validated against the published JSON Schema; a newer `schema_version`
 *      is refused with {@see UnsupportedSchemaVersion}.
 *
 * Redis failures surface as phpredis' own `RedisException` / `RedisClusterException`
 * (retryable infrastructure); a bad document as {@see CorruptSnapshot} (not retryable).
 */
final class CheckoutOrderReader
{
    private ?KeyLayout $layout;
    private SnapshotSchema $schema;

    public function __construct(
        private readonly \Redis|\RedisCluster $redis,
        private readonly string $namespace = 'checkout',
        /** Currency of the empty totals of an unknown session (the projector's CHECKOUT_CURRENCY). */
        private readonly string $currency = 'PLN',
        ?KeyLayout $layout = null,
        ?SnapshotSchema $schema = null,
    ) {
        $this->layout = $layout ?? ($redis instanceof \RedisCluster ? null : KeyLayout::standalone($namespace));
        $this->schema = $schema ?? new SnapshotSchema();
    }

    /**
     * The snapshot (every section, `totals`, `status`, `meta`) as an array, or null for an
     * unknown or expired session.
     *
     * @return array<string, mixed>|null
     */
    public function findBySessionId(string $sessionId): ?array
    {
        return $this->findVersioned($sessionId)?->snapshot;
    }

    /** The snapshot and its version, or null for an unknown session. */
    public function findVersioned(string $sessionId): ?VersionedSnapshot
    {
        $layout = $this->layout();
        if ($layout === null) {
            return null; // a cluster namespace no projector has written yet
        }
        $pointerKey = $layout->pointerKey($sessionId);
        $generation = self::orNull($this->redis->get($pointerKey));
        $key = $layout->snapshotKey($sessionId, $generation);
        $document = self::orNull($this->redis->get($key));
        if ($document === null) {
            $current = self::orNull($this->redis->get($pointerKey));
            if ($current !== $generation) {
                $key = $layout->snapshotKey($sessionId, $current);
                $document = self::orNull($this->redis->get($key));
            }
        }
        if ($document === null) {
            return null;
        }
        return new VersionedSnapshot(
            $this->schema->decode($document, $sessionId, $key),
            SnapshotVersion::of($document)
        );
    }

    /**
     * The session's totals (minor units of `currency`); an unknown session reads as empty
     * totals, status `open`, like the legacy `GetCheckoutTotalsHandler`.
     *
     * @return array<string, mixed>
     */
    public function getTotals(string $sessionId): array
    {
        return $this->findVersioned($sessionId)?->snapshot['totals'] ?? $this->emptyTotals($sessionId);
    }

    /**
     * For finalising an order: are the totals shown at `$expectedVersion` (null: shown for an
     * unknown session) still the current ones? Answers with the current totals either way.
     */
    public function getTotalsIfVersion(string $sessionId, ?string $expectedVersion): TotalsCheck
    {
        $found = $this->findVersioned($sessionId);
        $version = $found?->version;
        return new TotalsCheck(
            $version === $expectedVersion,
            $found?->snapshot['totals'] ?? $this->emptyTotals($sessionId),
            $version,
            $expectedVersion
        );
    }

    /** @return array<string, mixed> */
    public function emptyTotals(string $sessionId): array
    {
        return [
            'session_id' => $sessionId,
            'currency' => $this->currency,
            'subtotal_cents' => 0,
            'shipping_cents' => 0,
            'services_cents' => 0,
            'discount_cents' => 0,
            'grand_total_cents' => 0,
            'item_count' => 0,
            'status' => 'open',
        ];
    }

    private function layout(): ?KeyLayout
    {
        return $this->layout ??= KeyLayout::fromRecord(
            $this->namespace,
            $this->redis->hGetAll(KeyLayout::recordKey($this->namespace)) ?: []
        );
    }

    /** phpredis answers a missing key with false. */
    private static function orNull(mixed $reply): ?string
    {
        return is_string($reply) ? $reply : null;
    }
}
