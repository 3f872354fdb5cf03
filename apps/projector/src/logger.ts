import { safeError } from '@checkout/engine';
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout; `correlation_id` is a field wherever an event is the subject. Errors go
 * through `safeError` (no command arguments, no userinfo in URLs: @checkout/engine
 * safe-error.ts), under `err` or `error`; fields that name a secret are redacted wherever a
 * caller puts them.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'checkout-projector' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: safeError, error: safeError },
    redact: {
      paths: [
        'password',
        '*.password',
        'REDIS_URL',
        '*.REDIS_URL',
        'KAFKA_SASL_PASSWORD',
        '*.KAFKA_SASL_PASSWORD',
        'sasl',
        '*.sasl',
      ],
      censor: '[redacted]',
    },
  });
}
