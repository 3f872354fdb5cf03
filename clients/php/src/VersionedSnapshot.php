<?php

declare(strict_types=1);

namespace Checkout\Projection;

/** A snapshot with its version ({@see SnapshotVersion}). */
final class VersionedSnapshot
{
    /** @param array<string, mixed> $snapshot */
    public function __construct(
        public readonly array $snapshot,
        public readonly string $version,
    ) {
    }
}
