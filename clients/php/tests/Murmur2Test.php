<?php

declare(strict_types=1);

namespace Checkout\Projection\Tests;

use Checkout\Projection\Murmur2;
use PHPUnit\Framework\TestCase;

final class Murmur2Test extends TestCase
{
    /** Kafka's own vectors (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java). */
    public function testMatchesKafkasUtilsMurmur2Vectors(): void
    {
        $vectors = [
            '21' => -973932308,
            'foobar' => -790332482,
            'a-little-bit-long-string' => -985981536,
            'a-little-bit-longer-string' => -1486304829,
            'lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8' => -58897971,
            'abc' => 479470107,
        ];
        foreach ($vectors as $key => $hash) {
            self::assertSame($hash, Murmur2::hash((string) $key), (string) $key);
        }
    }

    /** The README's table is the contract for readers in other languages: read it from there. */
    public function testGivesThePartitionsOfTheReadmeTestVectors(): void
    {
        $readme = (string) file_get_contents(__DIR__ . '/../../../README.md');
        preg_match_all('/^\| `([^`]*)`[^|]*\| (-?\d+) +\| (\d+) +\| (\d+) +\|$/mu', $readme, $rows, PREG_SET_ORDER);
        self::assertGreaterThanOrEqual(9, count($rows), 'the README lists the murmur2 test vectors');
        foreach ($rows as [, $key, $hash, $of6, $of12]) {
            self::assertSame((int) $hash, Murmur2::hash($key), $key);
            self::assertSame([(int) $of6, (int) $of12], [Murmur2::partition($key, 6), Murmur2::partition($key, 12)], $key);
        }
    }

    public function testRefusesAPartitionCountBelowOne(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Murmur2::partition('a', 0);
    }
}
