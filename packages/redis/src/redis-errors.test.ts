import { EngineError } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { toStoreError } from './redis-errors.ts';

function reply(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('toStoreError', () => {
  it('treats connection errors as retryable STORE_UNAVAILABLE', () => {
    const error = toStoreError(
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      'commit',
    );
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', canRetry: true });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script',
    "READONLY You can't write against a read only replica.",
    'OOM command not allowed',
  ])('treats the transient reply %j as retryable', (message) => {
    expect(toStoreError(reply(message), 'commit')).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      canRetry: true,
    });
  });

  it('treats refused credentials as configuration', () => {
    expect(
      toStoreError(reply('WRONGPASS invalid username-password pair'), 'connect'),
    ).toMatchObject({
      code: 'CONFIGURATION',
      canRetry: false,
    });
    expect(
      toStoreError(
        reply('NOPERM this user has no permissions to run the evalsha command'),
        'commit',
      ).message,
    ).toMatch(/REDIS_URL/);
  });

  it('treats other replies as not retryable', () => {
    expect(
      toStoreError(
        reply('WRONGTYPE Operation against a key holding the wrong kind of value'),
        'load',
      ),
    ).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      canRetry: false,
    });
  });

  it('passes an EngineError through', () => {
    const original = new EngineError('CORRUPT_SNAPSHOT', 'x', { canRetry: false });
    expect(toStoreError(original, 'load')).toBe(original);
  });
});
