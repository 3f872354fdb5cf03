import { causeChain, EngineError, tlsHandshakeCut, untrustedCertificate } from '@checkout/engine';

/**
 * kafkajs errors that say the TLS or SASL settings are wrong, as one CONFIGURATION error that
 * names the variable to fix. kafkajs reports an untrusted certificate as a retriable
 * connection error and a refused login as a non-retriable one; left alone, the first made the
 * projector retry for ever (not ready, no exit) and the second exited 1 like a broker outage.
 *
 * `beforeFirstConnection`: a broker that closes the connection during the TLS handshake is a
 * plaintext listener when it happens before any connection succeeded; later it may just be a
 * broker going down, which is retried.
 */
export function kafkaMisconfiguration(
  error: unknown,
  options: { beforeFirstConnection: boolean },
): EngineError | null {
  const problem = describe(error, options.beforeFirstConnection);
  if (problem === null) return null;
  return new EngineError('CONFIGURATION', problem.message, {
    canRetry: false,
    cause: error,
    context: { setting: problem.setting },
  });
}

function describe(
  error: unknown,
  beforeFirstConnection: boolean,
): { setting: string; message: string } | null {
  const certificate = untrustedCertificate(error);
  if (certificate !== null) {
    return {
      setting: 'KAFKA_SSL_CA_FILE',
      message:
        `KAFKA_SSL_CA_FILE: the broker's TLS certificate is not trusted (${certificate.code}: ` +
        `${certificate.message}); point KAFKA_SSL_CA_FILE at the CA that signed it.`,
    };
  }
  for (const cause of causeChain(error)) {
    if (cause.name === 'KafkaJSSASLAuthenticationError') {
      return {
        setting: 'KAFKA_SASL_PASSWORD',
        message:
          `KAFKA_SASL_PASSWORD: the broker refused the SASL login (${cause.message}); check ` +
          'KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM.',
      };
    }
    if ((cause as { type?: unknown }).type === 'UNSUPPORTED_SASL_MECHANISM') {
      return {
        setting: 'KAFKA_SASL_MECHANISM',
        message:
          'KAFKA_SASL_MECHANISM: the broker does not support this SASL mechanism on that ' +
          'listener; use one it enables (its sasl.enabled.mechanisms).',
      };
    }
  }
  if (beforeFirstConnection && tlsHandshakeCut(error)) {
    return {
      setting: 'KAFKA_SSL',
      message:
        'KAFKA_SSL: the broker closed the connection during the TLS handshake; KAFKA_BROKERS ' +
        'looks like a plaintext listener. Use the brokers’ TLS listener, or KAFKA_SSL=false.',
    };
  }
  return null;
}
