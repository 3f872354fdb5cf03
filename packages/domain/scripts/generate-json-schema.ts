/**
 * Writes packages/domain/schema/checkout-snapshot.schema.json from the zod snapshot schema, and
 * the PHP reader's copy (clients/php/resources/: a composer package carries its own; its
 * PHPUnit suite fails when the copy differs).
 * Run after any change to the snapshot shape: `pnpm generate:json-schema`. A unit test
 * (src/json-schema.test.ts) fails while the committed file is out of date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCheckoutSnapshotJsonSchema } from '../src/json-schema.ts';

for (const target of [
  new URL('../schema/checkout-snapshot.schema.json', import.meta.url),
  new URL('../../../clients/php/resources/checkout-snapshot.schema.json', import.meta.url),
]) {
  mkdirSync(new URL('.', target), { recursive: true });
  writeFileSync(target, renderCheckoutSnapshotJsonSchema());
  console.log(`wrote ${fileURLToPath(target)}`);
}
