import { EngineError } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { createRedisClient, parseRedisUrl } from './create-redis-client.ts';

describe('parseRedisUrl', () => {
  it('reads host, port and db, defaulting to 6379 and db 0', () => {
    expect(parseRedisUrl('redis://cache.internal')).toEqual({
      host: 'cache.internal',
      port: 6379,
      db: 0,
    });
    expect(parseRedisUrl('redis://10.0.0.5:6380/3')).toEqual({
      host: '10.0.0.5',
      port: 6380,
      db: 3,
    });
  });

  it('reads the ACL user and a percent-encoded password', () => {
    expect(parseRedisUrl('redis://projector:p%40ss%3Aw0rd@h:1')).toMatchObject({
      username: 'projector',
      password: 'p@ss:w0rd',
    });
    expect(parseRedisUrl('redis://:only-password@h')).toMatchObject({ password: 'only-password' });
    expect(parseRedisUrl('redis://:only-password@h')).not.toHaveProperty('username');
  });

  it('turns on TLS for rediss, with SNI for host names only', () => {
    expect(parseRedisUrl('rediss://cache.example.com:6380').tls).toEqual({
      servername: 'cache.example.com',
    });
    expect(parseRedisUrl('rediss://10.1.1.1').tls).toEqual({});
    expect(parseRedisUrl('rediss://h', 'REDIS_URL', { rejectUnauthorized: false }).tls).toEqual({
      servername: 'h',
      rejectUnauthorized: false,
    });
    expect(parseRedisUrl('redis://h').tls).toBeUndefined();
  });

  it('unwraps an IPv6 host', () => {
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 });
  });

  it.each([
    ['not a url', /is not a URL/],
    ['http://h:6379', /protocol http:/],
    ['redis://h?family=6', /query parameters/],
    ['redis://h/abc', /db index/],
  ])('refuses %j naming the setting, without echoing a password', (url, message) => {
    const attempt = () => parseRedisUrl(url, 'MY_REDIS');
    expect(attempt).toThrow(EngineError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/^MY_REDIS /);
  });

  it('never puts the password in an error message', () => {
    expect(() => parseRedisUrl('https://u:secret@h')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') }),
    );
  });
});

describe('createRedisClient', () => {
  it('fails fast: no offline queue, no resend, no per-request retry, lazy connect', () => {
    const client = createRedisClient('redis://127.0.0.1:1');
    expect(client.options).toMatchObject({
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      commandTimeout: 5000,
    });
    expect(client.status).toBe('wait');
    client.disconnect();
  });

  it('reconnects forever with capped, jittered delays never below the base', () => {
    const client = createRedisClient('redis://127.0.0.1:1', {
      reconnect: { baseMs: 50, capMs: 400 },
    });
    const strategy = client.options.retryStrategy;
    const delays = Array.from({ length: 200 }, (_, attempt) => strategy?.(attempt + 1));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThanOrEqual(400);
    }
    expect(new Set(delays).size).toBeGreaterThan(10);
    client.disconnect();
  });
});
