<?php

declare(strict_types=1);

// PSR-4 as composer.json declares it, without needing composer on the machine that tests.
spl_autoload_register(static function (string $class): void {
    $prefixes = [
        'Checkout\\Projection\\Tests\\' => __DIR__ . '/',
        'Checkout\\Projection\\' => __DIR__ . '/../src/',
    ];
    foreach ($prefixes as $prefix => $directory) {
        if (str_starts_with($class, $prefix)) {
            $file = $directory . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
