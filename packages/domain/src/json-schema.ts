import { z } from 'zod';
import { checkoutSnapshotSchema, SNAPSHOT_SCHEMA_VERSION } from './snapshot-schema.ts';

export const CHECKOUT_SNAPSHOT_JSON_SCHEMA_ID = `urn:checkout-projection:schema:checkout-snapshot:v${SNAPSHOT_SCHEMA_VERSION}`;

/**
 * The JSON Schema (draft 2020-12) of the stored snapshot, generated from `checkoutSnapshotSchema`
 * so non-TypeScript readers validate against the same contract. The committed copy is
 * packages/domain/schema/checkout-snapshot.schema.json; a unit test keeps it in sync.
 */
export function checkoutSnapshotJsonSchema(): Record<string, unknown> {
  const { $schema, ...generated } = openToNewFields(
    z.toJSONSchema(checkoutSnapshotSchema, { target: 'draft-2020-12' }),
  );
  return {
    $schema,
    $id: CHECKOUT_SNAPSHOT_JSON_SCHEMA_ID,
    title: 'CheckoutSnapshot',
    description:
      'A checkout session projection as stored at Redis key checkout:order:{<sessionId>}: every ' +
      'section, the computed totals and status, timestamps and the idempotency meta. Amounts are ' +
      'integer minor units of `currency`. Readers must refuse a schema_version they do not know.',
    ...generated,
  };
}

/**
 * Without zod's `additionalProperties: false`: a newer projector may add an optional field
 * within the same `schema_version` (as `meta.fold_version` was), and a reader that validates
 * must not then refuse every document. A change that readers must understand bumps
 * `schema_version` instead, which they refuse.
 */
function openToNewFields<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(openToNewFields) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
      .map(([key, value]) => [key, openToNewFields(value)]),
  ) as T;
}

/** The committed file's exact text. */
export function renderCheckoutSnapshotJsonSchema(): string {
  return `${JSON.stringify(checkoutSnapshotJsonSchema(), null, 2)}\n`;
}
