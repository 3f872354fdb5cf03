<?php

declare(strict_types=1);

namespace Checkout\Projection\Tests;

use Checkout\Projection\JsonSchemaValidator;
use Checkout\Projection\SnapshotSchema;
use PHPUnit\Framework\TestCase;

final class SnapshotSchemaTest extends TestCase
{
    public function testShipsTheSchemaThatTheDomainPublishes(): void
    {
        $published = __DIR__ . '/../../../packages/domain/schema/checkout-snapshot.schema.json';
        self::assertFileEquals(
            $published,
            SnapshotSchema::SCHEMA_FILE,
            'copy packages/domain/schema/checkout-snapshot.schema.json to clients/php/resources/'
        );
        $schema = json_decode((string) file_get_contents(SnapshotSchema::SCHEMA_FILE), true);
        self::assertSame([SnapshotSchema::SCHEMA_VERSION], [$schema['properties']['schema_version']['const']]);
    }

    public function testValidatorTellsObjectsFromArraysAndAnchorsPatternsAtTheVeryEnd(): void
    {
        $validator = new JsonSchemaValidator();
        $schema = [
            'type' => 'object',
            'properties' => ['code' => ['type' => 'string', 'pattern' => '^[A-Z]{3}$'], 'list' => ['type' => 'array']],
            'required' => ['code'],
            'additionalProperties' => false,
        ];
        self::assertSame([], $validator->validate(json_decode('{"code":"PLN","list":[]}'), $schema));
        self::assertNotSame([], $validator->validate(json_decode('{"code":"PLN\n"}'), $schema));
        self::assertNotSame([], $validator->validate(json_decode('{"code":"PLN","list":{}}'), $schema));
        self::assertNotSame([], $validator->validate(json_decode('{"code":"PLN","extra":1}'), $schema));
        self::assertSame(['$.code is required'], $validator->validate(json_decode('{}'), $schema));
    }

    public function testRefusesASchemaKeywordItDoesNotImplement(): void
    {
        $this->expectException(\LogicException::class);
        (new JsonSchemaValidator())->validate(1, ['multipleOf' => 2]);
    }
}
