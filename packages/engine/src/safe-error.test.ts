import { describe, expect, it } from 'vitest';
import { EngineError } from './errors.ts';
import { redactText, safeError } from './safe-error.ts';

describe('safeError', () => {
  it('keeps a failed command’s name and drops its arguments, through the cause chain', () => {
    const reply = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      name: 'ReplyError',
      command: { name: 'auth', args: ['default', 'hunter2-secret'] },
    });
    const wrapped = new EngineError('CONFIGURATION', 'Redis refused the login', {
      canRetry: false,
      cause: reply,
      context: { key: 'checkout:order:{s-1}', password: 'hunter2-secret', reply: 'WRONGPASS' },
    });
    const safe = safeError(wrapped);
    expect(JSON.stringify(safe)).not.toContain('hunter2');
    expect(safe).toEqual({
      type: 'EngineError',
      message: 'Redis refused the login',
      code: 'CONFIGURATION',
      canRetry: false,
      context: { key: 'checkout:order:{s-1}', reply: 'WRONGPASS' },
      cause: {
        type: 'ReplyError',
        message: 'WRONGPASS invalid username-password pair',
        command: 'auth',
      },
    });
  });

  it('drops the snapshot documents a failed script was sent', () => {
    const reply = Object.assign(new Error('OOM command not allowed'), {
      name: 'ReplyError',
      command: { name: 'evalsha', args: ['sha', '1', '{"shipping":{"address":{"name":"Jan"}}}'] },
    });
    expect(JSON.stringify(safeError(reply))).not.toContain('Jan');
  });

  it('strips userinfo from every URL in a message, and bounds long text', () => {
    expect(redactText('cannot reach rediss://app:s3cret@redis.example:6380/0 (timeout)')).toBe(
      'cannot reach rediss://***@redis.example:6380/0 (timeout)',
    );
    expect(redactText('x'.repeat(5000))).toMatch(/… \(5000 chars\)$/);
  });
});
