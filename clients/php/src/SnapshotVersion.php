<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * A snapshot's version: the SHA-256 (hex) of the document's bytes as stored in Redis, the
 * same value the TypeScript reader returns and the HTTP API sends as its ETag.
 *
 * A digest of the content rather than `meta.event_count`: the count does not change when a
 * rebuild with a fixed fold rewrites a session from the same events, and starts again from 1
 * when a session's snapshot expired and new events arrive; both change what the service
 * showed. The digest changes exactly when the content does. An unknown session has no
 * version (null).
 */
final class SnapshotVersion
{
    public static function of(string $document): string
    {
        return hash('sha256', $document);
    }
}
