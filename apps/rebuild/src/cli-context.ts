import { createInterface } from 'node:readline/promises';
import {
  EngineError,
  isRetryable,
  redactText,
  topicNames,
  type TopicNames,
} from '@checkout/engine';
import {
  createKafka,
  kafkaMisconfiguration,
  kafkaSecurityOptions,
  type KafkaConnectionOptions,
  type KafkaLog,
} from '@checkout/kafka';
import {
  clusterLayout,
  connectRedisClient,
  createRedisClient,
  createRedisClusterClient,
  ensureLayoutRecord,
  redisAccessRefused,
  standaloneLayout,
  type KeyLayout,
} from '@checkout/redis';
import type { Command } from 'commander';
import { CliError, usageError } from './cli-error.ts';
import { loadRebuildConfig, type RebuildConfig } from './config.ts';
import { exitCodeOf, exitReasonOf, type ExitCode, type ExitReason } from './exit-codes.ts';
import { readTopicLayout, type KafkaClient } from './kafka-admin.ts';
import { createProgressReporter, type ProgressReporter } from './output/progress.ts';
import { stderrLog } from './output/stderr-log.ts';
import type { RedisClient } from './redis-client.ts';

/** Where the CLI reads and writes: the process in production, buffers in tests. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM: long runs stop cleanly and switch nothing. */
  signal: AbortSignal;
}

/** Flags every command accepts (defined on the program). */
export interface GlobalFlags {
  json: boolean;
  yes: boolean;
  verbose: boolean;
}

/**
 * What a command hands back: a reason (exit-codes.ts turns it into the number), the
 * machine-readable result for `--json`, and the report for people.
 */
export interface CommandOutcome {
  reason: ExitReason;
  json: Record<string, unknown>;
  text: string;
}

/**
 * Everything a command needs, created lazily and closed once: configuration, clients, output,
 * confirmation. This is also the contract for commands registered from other files
 * (`registerDlqCommands(program, context)`): wrap the handler in `context.action`, return a
 * {@link CommandOutcome}, throw `CliError`/`EngineError`, and call `context.confirm` before
 * anything destructive.
 */
export interface CliContext {
  readonly io: CliIo;
  /** The global flags of the command being run (valid inside an action). */
  flags(): GlobalFlags;
  /** The environment, validated; a bad variable is a usage error naming it. */
  config(): RebuildConfig;
  /** The five topics with KAFKA_TOPIC_PREFIX. */
  topics(): TopicNames;
  kafka(): KafkaClient;
  /** Connected on first use; a refused login is a usage error, an unreachable server a failure. */
  redis(): Promise<RedisClient>;
  /**
   * Where the projection's keys are: standalone, or in cluster mode the layout for the topics'
   * partition count, checked against (or recorded in) `<ns>:layout`: a namespace laid out for
   * another count is refused with the command that fixes it.
   */
  keyLayout(): Promise<KeyLayout>;
  /** Errors always; warnings and info with --verbose. Goes to stderr. */
  log(): KafkaLog;
  /** Resolves when confirmed (or --yes); throws `notConfirmed` otherwise, and without a TTY. */
  confirm(question: string): Promise<void>;
  progress(label: string): ProgressReporter;
  /** Wraps a commander action: prints the outcome or the error, records the exit code. */
  action<A extends unknown[]>(
    handler: (...args: A) => Promise<CommandOutcome>,
  ): (...args: A) => Promise<void>;
  /** The exit code of the last action (0 before any). */
  exitCode(): ExitCode;
  close(): Promise<void>;
}

export function createCliContext(io: CliIo): CliContext {
  let flags: GlobalFlags = { json: false, yes: false, verbose: false };
  let config: RebuildConfig | undefined;
  let kafka: KafkaClient | undefined;
  let redis: RedisClient | undefined;
  let keyLayout: KeyLayout | undefined;
  let code: ExitCode = 0;

  const context: CliContext = {
    io,
    flags: () => flags,
    config() {
      if (config === undefined) {
        const loaded = loadRebuildConfig(io.env);
        if (!loaded.ok) throw usageError(loaded.error);
        config = loaded.value;
      }
      return config;
    },
    topics: () => topicNames(context.config().KAFKA_TOPIC_PREFIX),
    kafka() {
      kafka ??= createKafka(connectionOptions(context.config(), context.log(), flags.verbose));
      return kafka;
    },
    async redis() {
      if (redis === undefined) {
        const config = context.config();
        const ca = config.REDIS_TLS_CA_FILE?.pem;
        const options = {
          connectionName: 'checkout-rebuild',
          commandTimeoutMs: 30_000,
          ...(ca === undefined ? {} : { tls: { ca } }),
        };
        const client =
          config.REDIS_MODE === 'cluster'
            ? createRedisClusterClient(config.REDIS_URL, {
                ...options,
                seeds: config.REDIS_CLUSTER_SEEDS ?? [],
              })
            : createRedisClient(config.REDIS_URL, options);
        // Our reads must not reset the idle time `status` reports as the last write (Redis ≥ 7.2;
        // older servers refuse, and then our own reads during a rebuild count too). A cluster
        // client has no single connection to set it on.
        if (config.REDIS_MODE === 'standalone') {
          const standalone = client as ReturnType<typeof createRedisClient>;
          standalone.on(
            'ready',
            () => void standalone.call('CLIENT', 'NO-TOUCH', 'ON').catch(() => undefined),
          );
        }
        redis = client;
        await connectRedisClient(client);
      }
      return redis;
    },
    async keyLayout() {
      if (keyLayout !== undefined) return keyLayout;
      const config = context.config();
      if (config.REDIS_MODE === 'standalone') {
        keyLayout = standaloneLayout(config.REDIS_NAMESPACE);
        return keyLayout;
      }
      const client = await context.redis();
      const { partitions } = await readTopicLayout(context.kafka(), context.topics(), {
        allowCompacted: config.KAFKA_ALLOW_COMPACTED_TOPICS,
      });
      const layout = clusterLayout(config.REDIS_NAMESPACE, partitions);
      await ensureLayoutRecord(client, layout);
      keyLayout = layout;
      return layout;
    },
    log: () => stderrLog(io.stderr, flags.verbose),
    async confirm(question) {
      if (flags.yes) return;
      if (io.stdin.isTTY !== true) {
        throw new CliError(
          'notConfirmed',
          `${question}\nNot confirmed: there is no terminal to ask on. Re-run with --yes to proceed.`,
        );
      }
      const prompt = createInterface({ input: io.stdin, output: io.stderr });
      try {
        const answer = await prompt.question(`${question}\nType "yes" to continue: `, {
          signal: io.signal,
        });
        if (!/^y(es)?$/i.test(answer.trim()))
          throw new CliError('notConfirmed', 'Declined; nothing was changed.');
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError('notConfirmed', 'Not confirmed; nothing was changed.');
      } finally {
        prompt.close();
      }
    },
    progress: (label) =>
      createProgressReporter({
        stream: io.stderr,
        mode: flags.json ? 'off' : io.stderr.isTTY === true ? 'bars' : 'lines',
        label,
      }),
    action(handler) {
      return async (...args) => {
        const command = args.at(-1) as Command;
        const globals = command.optsWithGlobals<Partial<GlobalFlags>>();
        flags = {
          json: globals.json === true,
          yes: globals.yes === true,
          verbose: globals.verbose === true,
        };
        let outcome: CommandOutcome | undefined;
        let failure: unknown;
        try {
          outcome = await handler(...args);
        } catch (error) {
          failure = misconfiguration(error) ?? error;
        }
        const reason = outcome?.reason ?? exitReasonOf(failure);
        code = exitCodeOf(reason);
        if (outcome !== undefined) printOutcome(io, flags, outcome, code);
        else printFailure(io, flags, failure, reason, code);
      };
    },
    exitCode: () => code,
    async close() {
      redis?.disconnect();
      redis = undefined;
      keyLayout = undefined;
    },
  };
  return context;
}

/**
 * A Kafka or Redis error that reached the command raw but says the configuration is wrong
 * (a certificate, a login, an ACL), as a CONFIGURATION error naming the setting: exit 2, like
 * a bad variable. Errors already classified are left as they are.
 */
function misconfiguration(error: unknown): EngineError | null {
  if (error instanceof EngineError) return null;
  return (
    redisAccessRefused(error, 'run this command') ??
    // A short run: a broker cutting the TLS handshake is a plaintext port, not an outage.
    kafkaMisconfiguration(error, { beforeFirstConnection: true })
  );
}

function printOutcome(
  io: CliIo,
  flags: GlobalFlags,
  outcome: CommandOutcome,
  code: ExitCode,
): void {
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({ ok: code === 0, exit_code: code, ...outcome.json }, jsonBigInt, 2)}\n`,
    );
  } else if (outcome.text !== '') {
    io.stdout.write(outcome.text.endsWith('\n') ? outcome.text : `${outcome.text}\n`);
  }
}

function printFailure(
  io: CliIo,
  flags: GlobalFlags,
  error: unknown,
  reason: ExitReason,
  code: ExitCode,
): void {
  const message = redactText(failureMessage(error, code));
  if (flags.json) {
    const details = error instanceof CliError ? error.details : {};
    const engineCode = (error as { code?: unknown } | null)?.code;
    const json = {
      ok: false,
      exit_code: code,
      error: { reason, code: engineCode ?? null, message, ...details },
    };
    io.stdout.write(`${JSON.stringify(json, jsonBigInt, 2)}\n`);
  } else {
    io.stderr.write(`checkout-rebuild: ${message}\n`);
    if (flags.verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  }
}

/**
 * The error's message, and for a transient failure (Redis or Kafka unreachable) what this CLI
 * did about it: a replay retries such failures with backoff while it runs, but one that ends
 * the run was not retried any further.
 */
function failureMessage(error: unknown, code: ExitCode): string {
  const message = error instanceof Error ? error.message : String(error);
  return isRetryable(error)
    ? `${message} checkout-rebuild stopped without retrying further (exit ${code}): run it again once it answers.`
    : message;
}

function jsonBigInt(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function connectionOptions(
  config: RebuildConfig,
  log: KafkaLog,
  verbose: boolean,
): KafkaConnectionOptions {
  return {
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    ...kafkaSecurityOptions(config),
    log,
    logLevel: verbose ? 'info' : 'error',
  };
}

/**
 * Adds the flags every command takes (`--json`, `--yes`, `--verbose`). The program has them
 * too, so they work before or after the command name.
 */
export function withCommonFlags(command: Command): Command {
  return command
    .option('--json', 'print the result as JSON on stdout (progress off)')
    .option('-y, --yes', 'do not ask before destructive steps (required without a terminal)')
    .option('--verbose', 'log Kafka and engine warnings to stderr');
}
