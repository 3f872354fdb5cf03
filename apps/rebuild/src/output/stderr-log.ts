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
    stream.write(`[${level}] ${message}${extra === '' ? '' : ` (${extra})`}\n`);
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

function format(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
