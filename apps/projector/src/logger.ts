import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout; `correlation_id` is a field wherever an event is the subject. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'checkout-projector' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
