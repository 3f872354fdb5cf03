import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHECKOUT_SNAPSHOT_JSON_SCHEMA_ID,
  renderCheckoutSnapshotJsonSchema,
} from './json-schema.ts';

const committedFile = new URL('../schema/checkout-snapshot.schema.json', import.meta.url);

describe('checkout-snapshot.schema.json', () => {
  it('is what the zod snapshot schema generates', () => {
    const committed = readFileSync(committedFile, 'utf8');
    const generated = renderCheckoutSnapshotJsonSchema();
    expect(
      committed === generated,
      'packages/domain/schema/checkout-snapshot.schema.json is out of date: run `pnpm generate:json-schema` and commit it',
    ).toBe(true);
  });

  it('identifies itself and requires every section', () => {
    const schema = JSON.parse(renderCheckoutSnapshotJsonSchema()) as Record<string, unknown>;
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: CHECKOUT_SNAPSHOT_JSON_SCHEMA_ID,
      title: 'CheckoutSnapshot',
      type: 'object',
    });
    expect(schema['required']).toEqual(
      expect.arrayContaining([
        'schema_version',
        'cart',
        'shipping',
        'promotion',
        'services',
        'payment',
        'meta',
        'status',
        'totals',
      ]),
    );
  });
});
