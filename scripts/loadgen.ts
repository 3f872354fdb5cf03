import { parseArgs } from 'node:util';
import { topicNames } from '@checkout/engine';
import { createKafka, ensureTopics, verifyTopicLayout } from '@checkout/kafka';
import { describeStream, produceRecords, type ProduceSummary } from './bench/produce-records.ts';

const USAGE = `pnpm loadgen [options]

Writes deterministic checkout traffic (the seeded generator of @checkout/generator: mostly cart
events, sessions of 5–40 events over the five topics, about 1 % duplicates, 0.5 % unknown events
and 0.5 % poison) to the five Kafka topics, keyed by session id.

Options:
  --brokers <list>       host:port,… (default: $KAFKA_BROKERS, else 127.0.0.1:9092)
  --prefix <text>        topic name prefix, as KAFKA_TOPIC_PREFIX (default: none)
  --records <n>          records to write (default 100000)
  --sessions <n>         instead of --records: about n sessions (n × 23 records)
  --seed <n>             generator seed (default 1); the same seed gives the same records
  --partitions <n>       partitions of topics created when missing (default 3)
  --compression <kind>   gzip | none (default gzip)
  --chunk <n>            records per produce request (default 5000)
  --embedded             write nothing: print the summary of the stream only
  --json                 print the summary as JSON
  -h, --help

Examples:
  pnpm loadgen --brokers 127.0.0.1:9092 --records 1000000 --seed 7
  pnpm loadgen --embedded --sessions 1000 --json
`;

/** Mean records per session: 22.5 scripted events plus duplicates, unknown and poison records. */
const RECORDS_PER_SESSION = 23;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      brokers: { type: 'string' },
      prefix: { type: 'string', default: '' },
      records: { type: 'string' },
      sessions: { type: 'string' },
      seed: { type: 'string', default: '1' },
      partitions: { type: 'string', default: '3' },
      compression: { type: 'string', default: 'gzip' },
      chunk: { type: 'string', default: '5000' },
      embedded: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.records !== undefined && values.sessions !== undefined) {
    throw new UsageError('give --records or --sessions, not both');
  }
  const records =
    values.sessions !== undefined
      ? wholeNumber('--sessions', values.sessions, 1) * RECORDS_PER_SESSION
      : wholeNumber('--records', values.records ?? '100000', 1);
  const seed = wholeNumber('--seed', values.seed, 0);
  const partitions = wholeNumber('--partitions', values.partitions, 1);
  const chunk = wholeNumber('--chunk', values.chunk, 1);
  const compression = values.compression;
  if (compression !== 'gzip' && compression !== 'none') {
    throw new UsageError(`--compression must be gzip or none, got ${compression}`);
  }
  const stream = { seed, records };

  if (values.embedded) {
    print(describeStream(stream), values.json, 'generated (embedded: nothing written)');
    return 0;
  }

  const brokers = (values.brokers ?? process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  const topics = topicNames(values.prefix);
  const kafka = createKafka({ brokers, clientId: 'checkout-loadgen', logLevel: 'error' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, topics.physical, partitions);
    if (created.length > 0 && !values.json) {
      process.stderr.write(`created ${created.join(', ')} with ${partitions} partitions\n`);
    }
    await verifyTopicLayout(admin, topics.physical);
  } finally {
    await admin.disconnect();
  }
  const tty = process.stderr.isTTY && !values.json;
  const summary = await produceRecords({
    kafka,
    topics,
    stream,
    chunk,
    compression,
    onProgress: (sent) => {
      if (tty) process.stderr.write(`\r${sent} / ${records} records`);
    },
  });
  if (tty) process.stderr.write('\n');
  print(summary, values.json, `written to ${brokers.join(',')} (${compression})`);
  return 0;
}

function print(summary: ProduceSummary, json: boolean, what: string): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const rate = Math.round(summary.records / Math.max(summary.seconds, 1e-9));
  const lines = [
    `${summary.records} records, ${summary.sessions} sessions, ${(summary.bytes / 1e6).toFixed(1)} MB of values, ` +
      `${what} in ${summary.seconds.toFixed(1)} s (${rate} records/s)`,
    `  by topic:       ${entries(summary.topics)}`,
    `  by expectation: ${entries(summary.expectations)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function entries(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}

class UsageError extends Error {}

function wholeNumber(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} must be a whole number ≥ ${min}, got ${text}`);
  }
  return Number(text);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`loadgen: ${error instanceof Error ? error.message : String(error)}\n`);
  if (usage) process.stderr.write('(pnpm loadgen --help for usage)\n');
  process.exitCode = usage ? 2 : 1;
}
