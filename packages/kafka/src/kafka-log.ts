import kafkajs from 'kafkajs';
import type { LogEntry, logCreator } from 'kafkajs';

/**
 * The structured logger this package writes to: the pino call shape `(fields, message)`, so a
 * pino `Logger` fits as is and tests can pass a recorder.
 */
export interface KafkaLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

export const silentKafkaLog: KafkaLog = { debug() {}, info() {}, warn() {}, error() {} };

const { logLevel } = kafkajs;

export function kafkajsLogLevel(level: KafkaLogLevel): number {
  switch (level) {
    case 'error':
      return logLevel.ERROR;
    case 'warn':
      return logLevel.WARN;
    case 'info':
      return logLevel.INFO;
    case 'debug':
      return logLevel.DEBUG;
  }
}

/**
 * Forwards kafkajs' own log lines to `log`, one structured entry each: kafkajs' extra fields
 * (groupId, memberId, error, retryCount…) become fields, its namespace becomes `kafkajs`.
 * kafkajs' `timestamp` and `logger` fields are dropped: the target logger stamps its own.
 */
export function kafkaLogCreator(log: KafkaLog): logCreator {
  return () => (entry: LogEntry) => {
    const fields: Record<string, unknown> = { kafkajs: entry.namespace };
    for (const [name, value] of Object.entries(entry.log)) {
      if (name !== 'message' && name !== 'timestamp' && name !== 'logger') fields[name] = value;
    }
    const text = String(entry.log.message);
    if (entry.level <= logLevel.ERROR) log.error(fields, text);
    else if (entry.level <= logLevel.WARN) log.warn(fields, text);
    else if (entry.level <= logLevel.INFO) log.info(fields, text);
    else log.debug(fields, text);
  };
}
