<?php

declare(strict_types=1);

namespace Checkout\Projection;

/** `<ns>:layout` records a layout this version of the reader cannot follow. */
final class UnsupportedLayout extends \RuntimeException
{
}
