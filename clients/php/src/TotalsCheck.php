<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * The answer of {@see CheckoutOrderReader::getTotalsIfVersion()}: whether the totals a
 * customer was shown (at `$expected`) are still the current ones, and the current ones.
 */
final class TotalsCheck
{
    /** @param array<string, mixed> $totals the current totals */
    public function __construct(
        public readonly bool $current,
        public readonly array $totals,
        public readonly ?string $version,
        public readonly ?string $expected,
    ) {
    }
}
