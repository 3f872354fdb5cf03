import { redactText, safeError } from '@checkout/engine';
import type { KafkaLog } from '@checkout/kafka';

/**
 * Diagnostics for an operator at a terminal: one line per entry on stderr (stdout carries the
 * result). Without --verbose only our own errors: kafkajs logs the protocol errors it retries
 * by itself at error level, the rebuild consumer's routine warnings (a write conflict right
 * after the switch) are expected, and why the consumer is waiting shows in the progress line.
 */
export function stderrLog(stream: NodeJS.WritableStream, verbose: boolean): KafkaLog {
  const write = (level: string) => (fields: Record<string, unknown>, message: string) => {
    const extra = Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}=${format(value)}`)
      .join(' ');
    stream.write(`[${level}] ${redactText(message)}${extra === '' ? '' : ` (${extra})`}\n`);
  };
  const skip = () => {};
  const ownErrors = write('error');
  return {
    error: verbose
      ? ownErrors
      : (fields, message) =>
          fields['kafkajs'] === undefined ? ownErrors(fields, message) : undefined,
    warn: verbose ? write('warn') : skip,
    info: verbose ? write('info') : skip,
    debug: skip,
  };
}

/** Errors, at any depth, as `safeError` has them: no command arguments, no URL userinfo. */
function format(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(safeError(value).message);
  if (typeof value === 'string') return JSON.stringify(redactText(value));
  try {
    const text =
      JSON.stringify(value, (_key, nested: unknown) =>
        nested instanceof Error ? safeError(nested) : nested,
      ) ?? String(value);
    return redactText(text);
  } catch {
    return redactText(String(value));
  }
}
