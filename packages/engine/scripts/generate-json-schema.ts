/**
 * Writes packages/engine/schema/dead-letter-entry.schema.json from the zod entry schema.
 * Run after any change to the entry's shape: `pnpm generate:json-schema`. A unit test
 * (src/dead-letter-schema.test.ts) fails while the committed file is out of date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderDeadLetterEntryJsonSchema } from '../src/dead-letter-schema.ts';

const target = new URL('../schema/dead-letter-entry.schema.json', import.meta.url);
mkdirSync(new URL('.', target), { recursive: true });
writeFileSync(target, renderDeadLetterEntryJsonSchema());
console.log(`wrote ${fileURLToPath(target)}`);
