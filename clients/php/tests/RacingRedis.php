<?php

declare(strict_types=1);

namespace Checkout\Projection\Tests;

final class RacingRedis extends \Redis
{
    use RacingClient;
}
