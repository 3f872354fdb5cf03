import type { RedisConnection } from '@checkout/redis';

/** The client of the CLI context: one Redis or a Redis Cluster (REDIS_MODE). */
export type RedisClient = RedisConnection;

/** `null` ↔ `base` in what operators read and type. */
export function generationName(id: string | null): string {
  return id ?? 'base';
}

export function parseGenerationName(name: string): string | null {
  return name === 'base' ? null : name;
}
