<?php

declare(strict_types=1);

namespace Checkout\Projection\Tests;

use Checkout\Projection\CheckoutOrderReader;
use Checkout\Projection\CorruptSnapshot;
use Checkout\Projection\KeyLayout;
use Checkout\Projection\SnapshotVersion;
use Checkout\Projection\UnsupportedSchemaVersion;
use PHPUnit\Framework\TestCase;

/**
 * The protocol's edges, on the same Redis, in a namespace of this test's own
 * (`<ns>-php`), from a document the projector wrote: generation switch, the one retry,
 * newer and corrupt documents, versions.
 */
final class ReaderProtocolTest extends TestCase
{
    private \Redis|\RedisCluster $redis;
    private string $namespace;
    private KeyLayout $layout;
    /** @var array<string, mixed> */
    private array $document;
    private string $sessionId;
    /** @var list<string> */
    private array $written = [];

    protected function setUp(): void
    {
        $expected = TestRedis::expected($this);
        $this->document = json_decode($expected['sample_document'], true, 512, JSON_THROW_ON_ERROR);
        $this->sessionId = $this->document['session_id'];
        $this->namespace = TestRedis::env($this, 'CHECKOUT_TEST_NAMESPACE') . '-php';
        $this->redis = TestRedis::connect($this);
        if (TestRedis::isCluster($this)) {
            $partitions = (int) TestRedis::env($this, 'CHECKOUT_TEST_PARTITIONS');
            $this->layout = KeyLayout::cluster($this->namespace, $partitions);
            $this->set(KeyLayout::recordKey($this->namespace), null);
            $this->redis->hMSet(KeyLayout::recordKey($this->namespace), [
                'mode' => 'cluster', 'partitions' => (string) $partitions, 'hash' => 'kafka-murmur2', 'version' => '1',
            ]);
        } else {
            $this->layout = KeyLayout::standalone($this->namespace);
        }
    }

    protected function tearDown(): void
    {
        foreach ($this->written as $key) {
            $this->redis->del($key);
        }
    }

    public function testFollowsTheActiveGenerationPointerOnEveryCall(): void
    {
        $this->set($this->layout->snapshotKey($this->sessionId, null), $this->withEventCount(3));
        $this->set($this->layout->snapshotKey($this->sessionId, '7'), $this->withEventCount(9));
        $reader = new CheckoutOrderReader($this->redis, $this->namespace);
        $before = $reader->findVersioned($this->sessionId);
        self::assertSame(3, $before?->snapshot['meta']['event_count']);

        $this->set($this->layout->pointerKey($this->sessionId), '7');
        $after = $reader->findVersioned($this->sessionId);
        self::assertSame(9, $after?->snapshot['meta']['event_count']);
        self::assertNotSame($before->version, $after->version, 'another document, another version');
    }

    public function testReadsTheNewGenerationWhenTheOldIsDroppedBetweenItsTwoGets(): void
    {
        $base = $this->layout->snapshotKey($this->sessionId, null);
        $this->set($base, $this->withEventCount(1));
        $this->set($this->layout->snapshotKey($this->sessionId, '2'), $this->withEventCount(2));
        $racing = TestRedis::connect($this, TestRedis::isCluster($this) ? RacingRedisCluster::class : RacingRedis::class);
        $racing->raceKey = $this->layout->pointerKey($this->sessionId);
        $raced = false;
        $racing->afterGet = function () use ($base, &$raced): void {
            $this->set($this->layout->pointerKey($this->sessionId), '2');
            $this->redis->del($base);
            $raced = true;
        };
        $reader = new CheckoutOrderReader($racing, $this->namespace);
        self::assertSame(2, $reader->findBySessionId($this->sessionId)['meta']['event_count']);
        self::assertTrue($raced);
    }

    public function testRefusesANewerSchemaVersionWithAClearException(): void
    {
        $newer = ['schema_version' => 2, 'reshaped' => true] + $this->document;
        $this->set($this->layout->snapshotKey($this->sessionId, null), json_encode($newer));
        $reader = new CheckoutOrderReader($this->redis, $this->namespace);
        try {
            $reader->getTotals($this->sessionId);
            self::fail('a newer schema_version was read');
        } catch (UnsupportedSchemaVersion $error) {
            self::assertSame([2, 1], [$error->found, $error->supported]);
            self::assertStringContainsString('upgrade checkout/projection-reader', $error->getMessage());
        }
    }

    public function testRefusesADocumentThatBreaksThePublishedSchema(): void
    {
        $broken = $this->document;
        $broken['totals']['grand_total_cents'] = -1;
        $this->set($this->layout->snapshotKey($this->sessionId, null), json_encode($broken));
        $reader = new CheckoutOrderReader($this->redis, $this->namespace);
        $this->expectException(CorruptSnapshot::class);
        $this->expectExceptionMessage('$.totals.grand_total_cents is below 0');
        $reader->findBySessionId($this->sessionId);
    }

    public function testGetTotalsIfVersionTellsWhetherTheShownTotalsAreStillCurrent(): void
    {
        $key = $this->layout->snapshotKey($this->sessionId, null);
        $reader = new CheckoutOrderReader($this->redis, $this->namespace, 'EUR');
        $unknown = $reader->getTotalsIfVersion($this->sessionId, null);
        self::assertTrue($unknown->current);
        self::assertSame($reader->emptyTotals($this->sessionId), $unknown->totals);

        $shown = json_encode($this->document);
        $this->set($key, $shown);
        self::assertFalse($reader->getTotalsIfVersion($this->sessionId, null)->current, 'it appeared');
        $check = $reader->getTotalsIfVersion($this->sessionId, SnapshotVersion::of($shown));
        self::assertTrue($check->current);
        self::assertSame($this->document['totals'], $check->totals);

        $this->set($key, $this->withEventCount($this->document['meta']['event_count'] + 1));
        $stale = $reader->getTotalsIfVersion($this->sessionId, SnapshotVersion::of($shown));
        self::assertFalse($stale->current);
        self::assertNotSame($stale->expected, $stale->version);
    }

    public function testReadsNothingInANamespaceNoProjectorWrote(): void
    {
        $reader = new CheckoutOrderReader($this->redis, $this->namespace . '-empty', 'EUR');
        self::assertNull($reader->findBySessionId($this->sessionId));
        self::assertSame('EUR', $reader->getTotals($this->sessionId)['currency']);
    }

    private function withEventCount(int $count): string
    {
        $document = $this->document;
        $document['meta']['event_count'] = $count;
        return json_encode($document);
    }

    private function set(string $key, ?string $value): void
    {
        $this->written[] = $key;
        if ($value !== null) {
            $this->redis->set($key, $value);
        }
    }
}
