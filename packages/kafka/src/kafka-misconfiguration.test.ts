import { describe, expect, it } from 'vitest';
import { kafkaMisconfiguration } from './kafka-misconfiguration.ts';

/** Shaped like kafkajs' KafkaJSNumberOfRetriesExceeded around a KafkaJSConnectionError. */
function connectionError(message: string, code?: string): Error {
  const cause = Object.assign(new Error(`Connection error: ${message}`), {
    name: 'KafkaJSConnectionError',
    code,
  });
  return Object.assign(new Error(cause.message, { cause }), {
    name: 'KafkaJSNumberOfRetriesExceeded',
  });
}

describe('kafkaMisconfiguration', () => {
  const cut = connectionError(
    'Client network socket disconnected before secure TLS connection was established',
    'ECONNRESET',
  );

  it('takes a cut TLS handshake for a plaintext listener only before the first connection', () => {
    expect(kafkaMisconfiguration(cut, { beforeFirstConnection: true })?.message).toMatch(
      /^KAFKA_SSL: /,
    );
    expect(kafkaMisconfiguration(cut, { beforeFirstConnection: false })).toBeNull();
  });

  it('names the CA setting for an untrusted certificate, whenever it happens', () => {
    const untrusted = connectionError(
      'self-signed certificate in certificate chain',
      'SELF_SIGNED_CERT_IN_CHAIN',
    );
    const error = kafkaMisconfiguration(untrusted, { beforeFirstConnection: false });
    expect(error).toMatchObject({ code: 'CONFIGURATION', canRetry: false });
    expect(error?.message).toMatch(/^KAFKA_SSL_CA_FILE: .*SELF_SIGNED_CERT_IN_CHAIN/);
  });

  it('leaves an outage alone', () => {
    const refused = connectionError('connect ECONNREFUSED 127.0.0.1:9092', 'ECONNREFUSED');
    expect(kafkaMisconfiguration(refused, { beforeFirstConnection: true })).toBeNull();
  });
});
