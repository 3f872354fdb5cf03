<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * A stored document that is not a snapshot of a schema version this reader knows: not JSON,
 * or not matching the published JSON Schema. Not retryable: `checkout-rebuild --session <id>`
 * rewrites the session from its events.
 */
class CorruptSnapshot extends \RuntimeException
{
}
