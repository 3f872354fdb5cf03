import type { KafkaConfig, RetryOptions, SASLOptions } from 'kafkajs';
import {
  kafkajsLogLevel,
  kafkaLogCreator,
  silentKafkaLog,
  type KafkaLog,
  type KafkaLogLevel,
} from './kafka-log.ts';

/** How to reach the brokers (SPEC §7: `KAFKA_BROKERS`, `KAFKA_CLIENT_ID`, TLS/SASL settings). */
export interface KafkaConnectionOptions {
  /** `host:port` bootstrap brokers. */
  brokers: readonly string[];
  /** @default 'checkout-projector' */
  clientId?: string;
  /**
   * TLS to the brokers: `true` trusts the system CAs; `{ ca }` trusts the PEM-encoded CA that
   * signed the brokers' certificates (what `KAFKA_SSL_CA_FILE` points at).
   * @default false
   */
  ssl?: boolean | { ca: string | Buffer };
  /** SASL authentication; over the network use it with `ssl`, PLAIN sends the password as is. */
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
  /** Time to open a TCP (and TLS) connection. @default 3000 */
  connectionTimeoutMs?: number;
  /** Time to wait for a broker's answer. @default 30000 */
  requestTimeoutMs?: number;
  /** Where kafkajs' own log lines go. @default a logger that drops everything */
  log?: KafkaLog;
  /** @default 'info' */
  logLevel?: KafkaLogLevel;
}

/**
 * kafkajs' own retries, per request: short on purpose (about 10 s in total). Surviving a broker
 * that is down for minutes is not their job but the source's: it retries with the engine's
 * capped, jittered backoff, reports not-ready meanwhile, and tells kafkajs to restart a
 * crashed consumer (`restartOnFailure`) rather than give up. Long kafkajs retries would only
 * hide the outage from readiness and block heartbeats.
 */
export const KAFKA_CLIENT_RETRY: Readonly<Required<Omit<RetryOptions, 'restartOnFailure'>>> = {
  initialRetryTime: 300,
  maxRetryTime: 10_000,
  retries: 5,
  factor: 0.2,
  multiplier: 2,
};

export function kafkaConfig(options: KafkaConnectionOptions): KafkaConfig {
  if (options.brokers.length === 0)
    throw new Error('Kafka: at least one broker (host:port) is required');
  const config: KafkaConfig = {
    brokers: [...options.brokers],
    clientId: options.clientId ?? 'checkout-projector',
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { ...KAFKA_CLIENT_RETRY },
    logLevel: kafkajsLogLevel(options.logLevel ?? 'info'),
    logCreator: kafkaLogCreator(options.log ?? silentKafkaLog),
  };
  if (options.ssl === true) config.ssl = true;
  else if (typeof options.ssl === 'object')
    config.ssl = { ca: [options.ssl.ca], rejectUnauthorized: true };
  if (options.sasl !== undefined) config.sasl = saslOptions(options.sasl);
  return config;
}

/**
 * The TLS and SASL settings as both apps' environment names them (`kafkaSecurity` in
 * @checkout/config, the CA file already read): a CA file implies TLS; SASL when all three
 * of its settings are there (the configuration refuses a partial set).
 */
export interface KafkaSecuritySettings {
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE?: { pem: Buffer } | undefined;
  KAFKA_SASL_MECHANISM?: NonNullable<KafkaConnectionOptions['sasl']>['mechanism'] | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

export function kafkaSecurityOptions(
  settings: KafkaSecuritySettings,
): Pick<KafkaConnectionOptions, 'ssl' | 'sasl'> {
  const ssl =
    settings.KAFKA_SSL_CA_FILE === undefined
      ? settings.KAFKA_SSL
      : { ca: settings.KAFKA_SSL_CA_FILE.pem };
  const {
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: username,
    KAFKA_SASL_PASSWORD: password,
  } = settings;
  return mechanism && username && password
    ? { ssl, sasl: { mechanism, username, password } }
    : { ssl };
}

function saslOptions({
  mechanism,
  username,
  password,
}: NonNullable<KafkaConnectionOptions['sasl']>): SASLOptions {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
  }
}
