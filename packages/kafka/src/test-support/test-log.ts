import type { KafkaLog } from '../kafka-log.ts';

/** Silent unless `KAFKA_TEST_LOG=1`: then every source log line goes to the console. */
export function testLog(label: string): KafkaLog {
  if (process.env['KAFKA_TEST_LOG'] !== '1')
    return { debug() {}, info() {}, warn() {}, error() {} };
  const line = (level: string) => (fields: Record<string, unknown>, message: string) =>
    console.log(
      new Date().toISOString(),
      label,
      level,
      message,
      JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? v.message : v)),
    );
  return { debug() {}, info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}
