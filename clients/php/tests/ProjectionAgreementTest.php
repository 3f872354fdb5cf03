<?php

declare(strict_types=1);

namespace Checkout\Projection\Tests;

use Checkout\Projection\CheckoutOrderReader;
use PHPUnit\Framework\TestCase;

/**
 * The same sessions, read by the TypeScript reader (CHECKOUT_TEST_EXPECTED) and by this
 * library from the Redis the projector filled, must be equal: snapshot, totals and version.
 */
final class ProjectionAgreementTest extends TestCase
{
    public function testReadsEverySessionAsTheTypeScriptReaderDoes(): void
    {
        $expected = TestRedis::expected($this);
        $reader = new CheckoutOrderReader(
            TestRedis::connect($this),
            TestRedis::env($this, 'CHECKOUT_TEST_NAMESPACE'),
            $expected['currency']
        );
        $compared = ['known' => 0, 'unknown' => 0, 'mode' => TestRedis::env($this, 'CHECKOUT_TEST_REDIS_MODE')];
        foreach ($expected['sessions'] as $session) {
            $id = $session['session_id'];
            $found = $reader->findVersioned($id);
            if ($session['snapshot'] === null) {
                self::assertNull($found, "$id is unknown to TypeScript");
                $compared['unknown']++;
            } else {
                self::assertNotNull($found, "$id is known to TypeScript");
                self::assertSame(self::canonical($session['snapshot']), self::canonical($found->snapshot), $id);
                self::assertSame($session['version'], $found->version, "version of $id");
                $compared['known']++;
            }
            self::assertSame(self::canonical($session['totals']), self::canonical($reader->getTotals($id)), "totals of $id");
        }
        file_put_contents(TestRedis::env($this, 'CHECKOUT_TEST_REPORT'), json_encode($compared));
    }

    /** Objects with their keys sorted (JSON key order carries no meaning); lists as they are. */
    private static function canonical(mixed $value): mixed
    {
        if (!is_array($value)) {
            return $value;
        }
        $value = array_map(self::canonical(...), $value);
        if (!array_is_list($value)) {
            ksort($value, SORT_STRING);
        }
        return $value;
    }
}
