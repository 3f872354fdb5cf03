<?php

declare(strict_types=1);

namespace Checkout\Projection\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The Redis the TypeScript projector filled, as apps/projector/src/php-reader.int.test.ts
 * describes it in the environment:
 *
 *   CHECKOUT_TEST_REDIS_MODE   `standalone` or `cluster`
 *   CHECKOUT_TEST_REDIS_URL    redis://host:port (standalone)
 *   CHECKOUT_TEST_REDIS_SEEDS  host:port,host:port (cluster)
 *   CHECKOUT_TEST_NAMESPACE    the projector's REDIS_NAMESPACE
 *   CHECKOUT_TEST_PARTITIONS   the topics' partition count
 *   CHECKOUT_TEST_EXPECTED     JSON file: what the TypeScript reader read
 *   CHECKOUT_TEST_REPORT       JSON file this suite writes: what it compared
 */
final class TestRedis
{
    public static function env(TestCase $test, string $name): string
    {
        $value = getenv($name);
        if ($value === false || $value === '') {
            $test->markTestSkipped("$name is not set: run by apps/projector/src/php-reader.int.test.ts");
        }
        return $value;
    }

    /** What the TypeScript reader read (CHECKOUT_TEST_EXPECTED). @return array<string, mixed> */
    public static function expected(TestCase $test): array
    {
        $file = self::env($test, 'CHECKOUT_TEST_EXPECTED');
        return json_decode((string) file_get_contents($file), true, 512, JSON_THROW_ON_ERROR);
    }

    public static function isCluster(TestCase $test): bool
    {
        return self::env($test, 'CHECKOUT_TEST_REDIS_MODE') === 'cluster';
    }

    /**
     * A phpredis client of the test's Redis; `$class` lets a test subclass it.
     *
     * @template T of \Redis|\RedisCluster
     * @param class-string<T>|null $class
     * @return T
     */
    public static function connect(TestCase $test, ?string $class = null): \Redis|\RedisCluster
    {
        if (self::isCluster($test)) {
            $seeds = explode(',', self::env($test, 'CHECKOUT_TEST_REDIS_SEEDS'));
            $class ??= \RedisCluster::class;
            return new $class(null, $seeds, 2.0, 2.0);
        }
        $url = parse_url(self::env($test, 'CHECKOUT_TEST_REDIS_URL'));
        $class ??= \Redis::class;
        $redis = new $class();
        $redis->connect($url['host'] ?? '127.0.0.1', $url['port'] ?? 6379, 2.0);
        return $redis;
    }
}
