<?php

declare(strict_types=1);

namespace Checkout\Projection\Tests;

/**
 * A real phpredis client that runs `$afterGet` once, right after the first GET of
 * `$raceKey` answered: the interleaving "a rebuild switched and dropped the old generation
 * between the reader's two GETs", made to happen rather than hoped for.
 */
trait RacingClient
{
    public ?string $raceKey = null;
    /** @var (\Closure(): void)|null */
    public ?\Closure $afterGet = null;

    public function get($key): mixed
    {
        $value = parent::get($key);
        if ($key === $this->raceKey && $this->afterGet !== null) {
            $race = $this->afterGet;
            $this->afterGet = null;
            $race();
        }
        return $value;
    }
}
