import { randomBytes } from 'node:crypto';
import { findFreePort } from './free-port.ts';
import { startKafkaBroker, type KafkaBrokerHandle } from './kafka-broker.ts';
import type { TestCertificates } from './test-certificates.ts';

/** A SASL user of the secure broker; the password is random per run. */
export interface SaslUser {
  readonly mechanism: 'scram-sha-512' | 'plain';
  readonly username: string;
  readonly password: string;
}

export interface SecureKafkaBrokerHandle {
  /**
   * `SASL_SSL://127.0.0.1:<port>`: TLS (the run's test CA) and SASL, SCRAM-SHA-512 or PLAIN.
   * What the apps under test connect to.
   */
  readonly secureBrokers: string[];
  /**
   * The same broker's PLAINTEXT listener, for test setup and checks (creating topics,
   * producing, reading back), like an operator's internal listener. The apps under test never
   * use it, except to be refused on it ("TLS to a plaintext port").
   */
  readonly plainBrokers: string[];
  readonly scramUser: SaslUser;
  readonly plainUser: SaslUser;
  stop(): Promise<void>;
}

/**
 * A real single-node KRaft broker (run-broker.sh, the same jars) with a second, `SASL_SSL`
 * listener: the server certificate signed by the test CA, SASL mechanisms SCRAM-SHA-512 and
 * PLAIN. The SCRAM credential is written into the KRaft metadata when the data dir is
 * formatted (`kafka-storage format --add-scram`, KIP-900, Kafka ≥ 3.5): no second JVM after
 * start. PLAIN users are listed in the listener's JAAS configuration, as PLAIN requires.
 */
export async function startSecureKafkaBroker(
  certificates: TestCertificates,
): Promise<SecureKafkaBrokerHandle> {
  const port = await findFreePort({ withNext: true });
  let securePort = await findFreePort();
  while (securePort === port || securePort === port + 1) securePort = await findFreePort();
  const scramUser: SaslUser = {
    mechanism: 'scram-sha-512',
    username: 'checkout-scram',
    password: randomBytes(16).toString('hex'),
  };
  const plainUser: SaslUser = {
    mechanism: 'plain',
    username: 'checkout-plain',
    password: randomBytes(16).toString('hex'),
  };
  const broker: KafkaBrokerHandle = await startKafkaBroker({
    port,
    files: {
      'extra.properties': saslSslProperties(port, securePort, certificates, plainUser),
      'scram-credentials': `SCRAM-SHA-512=[name=${scramUser.username},password=${scramUser.password}]\n`,
    },
  });
  return {
    secureBrokers: [`127.0.0.1:${securePort}`],
    plainBrokers: broker.brokers,
    scramUser,
    plainUser,
    stop: () => broker.stop(),
  };
}

function saslSslProperties(
  port: number,
  securePort: number,
  certificates: TestCertificates,
  plainUser: SaslUser,
): string {
  const listener = 'listener.name.sasl_ssl';
  return [
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1},SASL_SSL://127.0.0.1:${securePort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${securePort}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN',
    `${listener}.ssl.keystore.type=PKCS12`,
    `${listener}.ssl.keystore.location=${certificates.keystoreFile}`,
    `${listener}.ssl.keystore.password=${certificates.keystorePassword}`,
    `${listener}.ssl.key.password=${certificates.keystorePassword}`,
    `${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${plainUser.username}="${plainUser.password}";`,
    '',
  ].join('\n');
}
