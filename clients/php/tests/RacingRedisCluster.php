<?php

declare(strict_types=1);

namespace Checkout\Projection\Tests;

final class RacingRedisCluster extends \RedisCluster
{
    use RacingClient;
}
