<?php

declare(strict_types=1);

namespace Checkout\Projection;

/**
 * Validates a decoded JSON value (json_decode without `associative`, so objects stay
 * objects and `{}` is told from `[]`) against the subset of JSON Schema 2020-12 that the
 * published snapshot schema uses: type, const, enum, anyOf, properties, required,
 * additionalProperties, propertyNames, items, minItems/maxItems, minLength/maxLength,
 * pattern, minimum/maximum. `format` is an annotation in 2020-12 (the schema pairs each one
 * with a pattern), so it is not asserted. A keyword outside the subset is refused, so a
 * schema that grows one cannot pass here unchecked.
 */
final class JsonSchemaValidator
{
    private const KEYWORDS = [
        '$schema', '$id', 'title', 'description', 'format', 'type', 'const', 'enum', 'anyOf',
        'properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'minItems',
        'maxItems', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum',
    ];

    /** @var array<string, string> JSON Schema pattern → PCRE */
    private array $patterns = [];

    /**
     * @param array<string, mixed> $schema the schema, decoded with `associative: true`
     * @return list<string> one message per violation, with its JSON path; empty when valid
     */
    public function validate(mixed $value, array $schema, string $path = '$'): array
    {
        $unknown = array_diff(array_keys($schema), self::KEYWORDS);
        if ($unknown !== []) {
            throw new \LogicException('JSON Schema keyword not supported: ' . implode(', ', $unknown));
        }
        if (isset($schema['anyOf'])) {
            foreach ($schema['anyOf'] as $option) {
                if ($this->validate($value, $option, $path) === []) {
                    return [];
                }
            }
            return ["$path matches none of its allowed shapes"];
        }
        if (array_key_exists('const', $schema) && !self::sameJson($value, $schema['const'])) {
            return ["$path must be " . json_encode($schema['const'])];
        }
        if (isset($schema['enum']) && !in_array($value, $schema['enum'], true)) {
            return ["$path must be one of " . json_encode($schema['enum'])];
        }
        if (isset($schema['type']) && !self::hasType($value, $schema['type'])) {
            return ["$path must be of type {$schema['type']}"];
        }
        return match (true) {
            is_object($value) => $this->validateObject($value, $schema, $path),
            is_array($value) => $this->validateArray($value, $schema, $path),
            is_string($value) => $this->validateString($value, $schema, $path),
            is_int($value) || is_float($value) => self::validateNumber($value, $schema, $path),
            default => [],
        };
    }

    /** @return list<string> */
    private function validateObject(object $value, array $schema, string $path): array
    {
        $fields = get_object_vars($value);
        $errors = [];
        foreach ($schema['required'] ?? [] as $name) {
            if (!array_key_exists($name, $fields)) {
                $errors[] = "$path.$name is required";
            }
        }
        $properties = $schema['properties'] ?? [];
        foreach ($fields as $name => $field) {
            $name = (string) $name;
            if (isset($schema['propertyNames'])) {
                array_push($errors, ...$this->validate($name, $schema['propertyNames'], "$path.$name (name)"));
            }
            if (array_key_exists($name, $properties)) {
                array_push($errors, ...$this->validate($field, $properties[$name], "$path.$name"));
            } elseif (($schema['additionalProperties'] ?? true) === false) {
                $errors[] = "$path.$name is not allowed";
            } elseif (is_array($schema['additionalProperties'] ?? null)) {
                array_push($errors, ...$this->validate($field, $schema['additionalProperties'], "$path.$name"));
            }
        }
        return $errors;
    }

    /** @param list<mixed> $value @return list<string> */
    private function validateArray(array $value, array $schema, string $path): array
    {
        $errors = [];
        if (isset($schema['maxItems']) && count($value) > $schema['maxItems']) {
            $errors[] = "$path has more than {$schema['maxItems']} items";
        }
        if (isset($schema['minItems']) && count($value) < $schema['minItems']) {
            $errors[] = "$path has fewer than {$schema['minItems']} items";
        }
        if (isset($schema['items'])) {
            foreach ($value as $index => $item) {
                array_push($errors, ...$this->validate($item, $schema['items'], "{$path}[$index]"));
            }
        }
        return $errors;
    }

    /** @return list<string> */
    private function validateString(string $value, array $schema, string $path): array
    {
        $length = mb_strlen($value, 'UTF-8');
        $errors = [];
        if (isset($schema['minLength']) && $length < $schema['minLength']) {
            $errors[] = "$path is shorter than {$schema['minLength']} characters";
        }
        if (isset($schema['maxLength']) && $length > $schema['maxLength']) {
            $errors[] = "$path is longer than {$schema['maxLength']} characters";
        }
        if (isset($schema['pattern']) && preg_match($this->pcre($schema['pattern']), $value) !== 1) {
            $errors[] = "$path does not match {$schema['pattern']}";
        }
        return $errors;
    }

    /** @return list<string> */
    private static function validateNumber(int|float $value, array $schema, string $path): array
    {
        $errors = [];
        if (isset($schema['minimum']) && $value < $schema['minimum']) {
            $errors[] = "$path is below {$schema['minimum']}";
        }
        if (isset($schema['maximum']) && $value > $schema['maximum']) {
            $errors[] = "$path is above {$schema['maximum']}";
        }
        return $errors;
    }

    private static function hasType(mixed $value, string $type): bool
    {
        return match ($type) {
            'object' => is_object($value),
            'array' => is_array($value),
            'string' => is_string($value),
            // JSON has one number type: 3.0 is an integer (json_decode gives a float for it).
            'integer' => is_int($value) || (is_float($value) && floor($value) === $value),
            'number' => is_int($value) || is_float($value),
            'boolean' => is_bool($value),
            'null' => $value === null,
            default => throw new \LogicException("JSON Schema type not supported: $type"),
        };
    }

    private static function sameJson(mixed $value, mixed $expected): bool
    {
        return (is_int($value) || is_float($value)) && (is_int($expected) || is_float($expected))
            ? $value == $expected
            : $value === $expected;
    }

    /** ECMA-262 patterns of the schema as PCRE: `u` for code points, `D` so `$` is the very end. */
    private function pcre(string $pattern): string
    {
        return $this->patterns[$pattern] ??= '/' . str_replace('/', '\/', $pattern) . '/uD';
    }
}
