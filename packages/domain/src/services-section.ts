import { z } from 'zod';
import { MAX_SECTION_TOTAL_CENTS, MAX_SERVICES } from './limits.ts';
import { moneySchema, textSchema } from './fields.ts';
import { err, ok, type Result } from './result.ts';
import { rejection, type Rejection } from './rejection.ts';
import type {
  ServicePayload,
  ServicesAvailabilityCalculatedPayload,
  ServicesSelectedPayload,
} from './services-events.ts';

export const serviceSchema = z.object({
  service_id: textSchema,
  name: textSchema.nullable(),
  price_cents: moneySchema,
});
export type Service = z.output<typeof serviceSchema>;

export const servicesSectionSchema = z.object({
  available: z
    .array(serviceSchema)
    .max(MAX_SERVICES)
    .describe('The last calculated offer, in event order; not part of the totals.'),
  selected: z
    .array(serviceSchema)
    .max(MAX_SERVICES)
    .describe('The chosen services, in event order; their prices sum into totals.services_cents.'),
});
export type ServicesSection = z.output<typeof servicesSectionSchema>;

export function emptyServices(): ServicesSection {
  return { available: [], selected: [] };
}

export function setAvailableServices(
  section: ServicesSection,
  payload: ServicesAvailabilityCalculatedPayload,
): ServicesSection {
  return { ...section, available: payload.services.map(toService) };
}

export function selectServices(
  section: ServicesSection,
  payload: ServicesSelectedPayload,
): Result<ServicesSection, Rejection> {
  let total = 0;
  for (const service of payload.services) {
    total += service.price_cents;
    if (total > MAX_SECTION_TOTAL_CENTS) {
      return err(
        rejection(
          'amount_overflow',
          `payload.services: selected services would total more than ${MAX_SECTION_TOTAL_CENTS} cents`,
        ),
      );
    }
  }
  return ok({ ...section, selected: payload.services.map(toService) });
}

function toService(service: ServicePayload): Service {
  return {
    service_id: service.service_id,
    name: service.name ?? null,
    price_cents: service.price_cents,
  };
}
