/**
 * Writes packages/domain/schema/checkout-snapshot.schema.json from the zod snapshot schema.
 * Run after any change to the snapshot shape: `pnpm generate:json-schema`. A unit test
 * (src/json-schema.test.ts) fails while the committed file is out of date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCheckoutSnapshotJsonSchema } from '../src/json-schema.ts';

const target = new URL('../schema/checkout-snapshot.schema.json', import.meta.url);
mkdirSync(new URL('.', target), { recursive: true });
writeFileSync(target, renderCheckoutSnapshotJsonSchema());
console.log(`wrote ${fileURLToPath(target)}`);
