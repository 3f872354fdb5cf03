import { safeError } from '@checkout/engine';
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout; `correlation_id` is a field wherever an event is the subject. Errors go
 * through `safeError` (no command arguments, no userinfo in URLs: @checkout/engine
 * safe-error.ts), under `err` or `error`; fields that name a secret are redacted wherever a
 * caller puts them.
 */
export function createLogger(
  level: string,
  options: {
    /** Told of every line at warn or above: its level number and message. */
    onProblem?: (level: number, message: string) => void;
  } = {},
): Logger {
  const onProblem = options.onProblem;
  return pino({
    level,
    ...(onProblem === undefined
      ? {}
      : {
          hooks: {
            logMethod(args, method, levelNumber) {
              if (levelNumber >= 40) onProblem(levelNumber, messageOf(args));
              method.apply(this, args);
            },
          },
        }),
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

/** pino's arguments are `(fields, message, ...)` or `(message, ...)`; an Error alone is its message. */
function messageOf(args: readonly unknown[]): string {
  const text = args.find((arg) => typeof arg === 'string');
  if (typeof text === 'string') return text;
  const [first] = args;
  return first instanceof Error ? first.message : '';
}
