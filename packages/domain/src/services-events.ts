import { z } from 'zod';
import { MAX_SERVICES } from './limits.ts';
import {
  currencyCodeSchema,
  moneySchema,
  optionalTextSchema,
  sessionReferenceSchema,
  textSchema,
} from './fields.ts';

/** Payloads of `services.*` events (topic `services-events`). */

export const servicePayloadSchema = z.object({
  service_id: textSchema,
  name: optionalTextSchema,
  price_cents: moneySchema,
});
export type ServicePayload = z.output<typeof servicePayloadSchema>;

/** At most 200 services with distinct ids: a repeated id would make the list ambiguous. */
const serviceListSchema = z
  .array(servicePayloadSchema)
  .max(MAX_SERVICES)
  .superRefine((services, ctx) => {
    const seen = new Set<string>();
    for (const [index, service] of services.entries()) {
      if (seen.has(service.service_id)) {
        ctx.addIssue({
          code: 'custom',
          message: `duplicate service_id '${service.service_id}'`,
          path: [index, 'service_id'],
        });
        return;
      }
      seen.add(service.service_id);
    }
  });

export const servicesAvailabilityCalculatedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  services: serviceListSchema,
  currency: currencyCodeSchema.nullish(),
});
export type ServicesAvailabilityCalculatedPayload = z.output<
  typeof servicesAvailabilityCalculatedPayloadSchema
>;

export const servicesSelectedPayloadSchema = z.object({
  session_id: sessionReferenceSchema,
  /** An empty list clears the selection. */
  services: serviceListSchema,
  currency: currencyCodeSchema.nullish(),
});
export type ServicesSelectedPayload = z.output<typeof servicesSelectedPayloadSchema>;
