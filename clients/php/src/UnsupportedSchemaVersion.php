<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * The snapshot was written by a newer projector (`schema_version` above the one this reader
 * validates against). Upgrade the library rather than guess at a shape it does not know.
 */
final class UnsupportedSchemaVersion extends CorruptSnapshot
{
    public function __construct(
        public readonly string $sessionId,
        public readonly int $found,
        public readonly int $supported,
    ) {
        parent::__construct(sprintf(
            'snapshot of session %s has schema_version %d, newer than the supported version %d: '
            . 'upgrade checkout/projection-reader to read it',
            json_encode($sessionId),
            $found,
            $supported
        ));
    }
}
