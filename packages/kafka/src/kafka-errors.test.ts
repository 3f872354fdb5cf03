import { EngineError } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { isTransientError, sourceUnavailable } from './kafka-errors.ts';

describe('transient errors', () => {
  const kafkaError = (name: string, retriable: boolean, cause?: Error) =>
    Object.assign(new Error(name), { name, retriable, ...(cause ? { cause } : {}) });

  it('retries an unavailable cluster or store, not bad credentials or a bug', () => {
    expect(isTransientError(new EngineError('STORE_UNAVAILABLE', 'x', { canRetry: true }))).toBe(
      true,
    );
    expect(isTransientError(new EngineError('CONFIGURATION', 'x', { canRetry: false }))).toBe(
      false,
    );
    expect(isTransientError(kafkaError('KafkaJSConnectionError', true))).toBe(true);
    expect(isTransientError(kafkaError('KafkaJSNumberOfRetriesExceeded', false))).toBe(true);
    expect(
      isTransientError(
        kafkaError('KafkaJSNonRetriableError', false, kafkaError('KafkaJSProtocolError', true)),
      ),
    ).toBe(true);
    expect(isTransientError(kafkaError('KafkaJSSASLAuthenticationError', false))).toBe(false);
    expect(isTransientError(kafkaError('KafkaJSProtocolError', false))).toBe(false);
    expect(isTransientError(new TypeError('bug'))).toBe(false);
  });

  it('wraps a Kafka failure as SOURCE_UNAVAILABLE, naming the operation', () => {
    const error = sourceUnavailable('publishing 2 dead-letter entries', new Error('boom'));
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE', canRetry: true });
    expect(error.message).toContain('publishing 2 dead-letter entries');
  });
});
