import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, isPortFree } from './free-port.ts';
import { kafkaAnswers } from './kafka-ready.ts';
import { guardServers, tailFile, type ManagedProcess } from './managed-process.ts';
import { sleep } from './sleep.ts';

/** Options for {@link startKafkaBroker}. */
export interface KafkaBrokerOptions {
  /**
   * Listener port on 127.0.0.1; the KRaft controller takes port + 1.
   * @default a free pair of ports
   */
  port?: number;
  /**
   * Log segments, KRaft metadata, server.properties, server.log and process.log live here.
   * @default a new directory under the OS temp dir, deleted when the test process exits
   */
  dataDir?: string;
  /**
   * How long to wait for the broker to answer, including fetching the jars on a first run.
   * @default 180000
   */
  startTimeoutMs?: number;
  /**
   * How long `stop()` waits after SIGTERM before it SIGKILLs.
   * @default 30000
   */
  stopTimeoutMs?: number;
  /**
   * Files written into the data dir before the first start, by name: run-broker.sh appends
   * `extra.properties` to the broker's configuration and adds each line of
   * `scram-credentials` to the KRaft metadata (secure-kafka-broker.ts uses both).
   * @default none
   */
  files?: Readonly<Record<string, string>>;
}

export interface KafkaBrokerHandle {
  /** `["127.0.0.1:<port>"]`, ready for kafkajs `brokers`. */
  readonly brokers: string[];
  readonly port: number;
  readonly dataDir: string;
  /** Graceful: SIGTERM (controlled shutdown, logs flushed), then wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, like a crashed machine's broker process; resolves once it is dead. */
  kill(): Promise<void>;
  /** Starts again on the same port and data dir (stopping it first if it runs); waits until ready. */
  restart(): Promise<void>;
  /** SIGSTOP (true) or SIGCONT (false): a hung broker that keeps its connections open. */
  freeze(frozen: boolean): void;
}

const runBrokerScript = fileURLToPath(
  new URL('../../../scripts/kafka/run-broker.sh', import.meta.url),
);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs a real single-node KRaft broker through `scripts/kafka/run-broker.sh` (the same path CI and
 * users take) and resolves once kafkajs can describe the cluster.
 */
export async function startKafkaBroker(
  options: KafkaBrokerOptions = {},
): Promise<KafkaBrokerHandle> {
  const port = options.port ?? (await findFreePort({ withNext: true }));
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'checkout-kafka-'));
  mkdirSync(dataDir, { recursive: true });
  for (const [name, text] of Object.entries(options.files ?? {})) {
    writeFileSync(join(dataDir, name), text, { mode: 0o600 });
  }
  const guard = guardServers(dataDir, options.dataDir === undefined);
  const startTimeoutMs = options.startTimeoutMs ?? 180_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const brokers = [`127.0.0.1:${port}`];

  let current: ManagedProcess | undefined;
  const launch = async (): Promise<void> => {
    // Otherwise the readiness probe could find another broker on the port and call it ours.
    if (!(await isPortFree(port)) || !(await isPortFree(port + 1))) {
      throw new Error(`Kafka broker: 127.0.0.1:${port} or :${port + 1} (controller) is in use`);
    }
    const started = guard.spawn('bash', [runBrokerScript, String(port), dataDir], {
      cwd: repoRoot,
      logFile: join(dataDir, 'process.log'),
    });
    current = started;
    await waitForBroker(brokers, started, dataDir, startTimeoutMs);
  };
  await launch();

  return {
    brokers,
    port,
    dataDir,
    async stop() {
      await current?.terminate(stopTimeoutMs);
    },
    async kill() {
      await current?.kill();
    },
    async restart() {
      await current?.terminate(stopTimeoutMs);
      await launch();
    },
    freeze(frozen) {
      current?.freeze(frozen);
    },
  };
}

async function waitForBroker(
  brokers: string[],
  broker: ManagedProcess,
  dataDir: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!broker.isRunning()) {
      const exit = await broker.exited;
      throw brokerError(`exited early (code ${exit.code}, signal ${exit.signal})`, dataDir);
    }
    if (await kafkaAnswers(brokers)) return;
    await sleep(250);
  }
  await broker.kill();
  throw brokerError(`did not answer describeCluster within ${timeoutMs} ms`, dataDir);
}

function brokerError(what: string, dataDir: string): Error {
  return new Error(
    `Kafka broker (${dataDir}) ${what}.\n` +
      `--- tail of ${dataDir}/server.log\n${tailFile(join(dataDir, 'server.log'))}\n` +
      `--- tail of ${dataDir}/process.log\n${tailFile(join(dataDir, 'process.log'), 15)}`,
  );
}
