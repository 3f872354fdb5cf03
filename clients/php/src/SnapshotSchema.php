<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * The published JSON Schema of the snapshot (packages/domain/schema/checkout-snapshot.schema.json,
 * copied to resources/ and checked equal by SnapshotSchemaTest), and the one version it
 * describes. Decoding refuses a newer `schema_version` before validating, so the caller learns
 * "upgrade" rather than "corrupt".
 */
final class SnapshotSchema
{
    public const SCHEMA_VERSION = 1;
    public const SCHEMA_FILE = __DIR__ . '/../resources/checkout-snapshot.schema.json';

    /** @var array<string, mixed> */
    private array $schema;
    private JsonSchemaValidator $validator;

    public function __construct(string $schemaFile = self::SCHEMA_FILE)
    {
        $this->schema = json_decode((string) file_get_contents($schemaFile), true, 512, JSON_THROW_ON_ERROR);
        $this->validator = new JsonSchemaValidator();
    }

    /**
     * The snapshot stored under `$key` as an array, validated.
     *
     * @return array<string, mixed>
     * @throws UnsupportedSchemaVersion when a newer projector wrote it
     * @throws CorruptSnapshot when it is not JSON or breaks the schema
     */
    public function decode(string $document, string $sessionId, string $key): array
    {
        try {
            $value = json_decode($document, false, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $error) {
            throw self::corrupt($sessionId, $key, 'not valid JSON: ' . $error->getMessage());
        }
        $version = is_object($value) ? ($value->schema_version ?? null) : null;
        if (is_int($version) && $version > self::SCHEMA_VERSION) {
            throw new UnsupportedSchemaVersion($sessionId, $version, self::SCHEMA_VERSION);
        }
        $errors = $this->validator->validate($value, $this->schema);
        if ($errors !== []) {
            $shown = implode('; ', array_slice($errors, 0, 3));
            throw self::corrupt($sessionId, $key, sprintf('does not match schema v%d: %s', self::SCHEMA_VERSION, $shown));
        }
        return json_decode($document, true, 512, JSON_THROW_ON_ERROR);
    }

    private static function corrupt(string $sessionId, string $key, string $why): CorruptSnapshot
    {
        return new CorruptSnapshot(sprintf(
            'snapshot %s is unreadable, %s; rewrite it with `checkout-rebuild --session %s`',
            $key,
            $why,
            $sessionId
        ));
    }
}
