import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waveLimits } from '@checkout/config';
import { loadConfig } from './config.ts';

function errorOf(env: Record<string, string>): string {
  const result = loadConfig(env);
  if (result.ok) throw new Error(`expected ${JSON.stringify(env)} to be refused`);
  return result.error;
}

describe('loadConfig', () => {
  it('accepts an empty environment (embedded mode) with the documented defaults', () => {
    const result = loadConfig({});
    expect(result.ok && result.value).toMatchObject({
      HTTP_PORT: 8080,
      CHECKOUT_CURRENCY: 'PLN',
      KAFKA_SESSION_TIMEOUT_MS: 30_000,
      KAFKA_HEARTBEAT_INTERVAL_MS: 3000,
      KAFKA_COMMIT_INTERVAL_MS: 1000,
      STORE_WATCHDOG_INTERVAL_MS: 5000,
      DLQ_TOPIC: 'checkout-events-dlq',
    });
  });

  it.each([
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL: must start with redis:// or rediss://'],
    [{ CHECKOUT_CURRENCY: 'pln' }, 'CHECKOUT_CURRENCY: must be 3 upper-case letters'],
    [{ HTTP_PORT: '99999' }, 'HTTP_PORT:'],
    [{ HTTP_PORT: '80a' }, 'HTTP_PORT: must be a whole number'],
    [{ KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS'],
    [{ CHECKOUT_FAULT_POINT: 'before-lunch' }, 'CHECKOUT_FAULT_POINT'],
    [{ CHECKOUT_FAULT_SIGNAL: 'SIGTERM' }, 'CHECKOUT_FAULT_SIGNAL'],
    [{ KAFKA_SESSION_TIMEOUT_MS: '6s' }, 'KAFKA_SESSION_TIMEOUT_MS: must be a whole number'],
    [
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' },
      'KAFKA_SASL_MECHANISM: set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD together',
    ],
    [{ REDIS_MODE: 'sentinel' }, 'REDIS_MODE:'],
    [{ REDIS_MODE: 'cluster' }, 'REDIS_URL: REDIS_MODE=cluster needs REDIS_URL'],
    [
      { REDIS_URL: 'redis://a:7000', REDIS_CLUSTER_SEEDS: 'b:7001' },
      'REDIS_CLUSTER_SEEDS: set only with REDIS_MODE=cluster',
    ],
    [
      { REDIS_MODE: 'cluster', REDIS_URL: 'redis://a:7000', REDIS_CLUSTER_SEEDS: 'b' },
      'REDIS_CLUSTER_SEEDS.0: each seed must be host:port',
    ],
    [
      { REDIS_MODE: 'cluster', REDIS_URL: 'rediss://u:p@a:7000/2' },
      'REDIS_URL: Redis Cluster has only db 0',
    ],
    [
      { KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '6000' },
      'KAFKA_HEARTBEAT_INTERVAL_MS: must be below KAFKA_SESSION_TIMEOUT_MS (6000)',
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(errorOf(env)).toContain(message);
  });

  it('passes the wave and working-set bounds to the engine, its defaults where unset', () => {
    const set = loadConfig({ WAVE_MAX_MS: '50', WORKING_SET_MAX_BYTES: '0' });
    expect(set.ok && waveLimits(set.value)).toEqual({ maxMs: 50, workingSetMaxBytes: 0 });
    const unset = loadConfig({});
    expect(unset.ok && waveLimits(unset.value)).toEqual({});
    expect(errorOf({ WORKING_SET_MAX_BYTES: '16MiB' })).toContain(
      'WORKING_SET_MAX_BYTES: must be a whole number',
    );
  });

  it('reads cluster mode: a seed URL with TLS and ACL user, and further seeds', () => {
    const result = loadConfig({
      REDIS_MODE: 'cluster',
      REDIS_URL: 'rediss://projector:secret@10.0.0.1:6379',
      REDIS_CLUSTER_SEEDS: '10.0.0.2:6379, 10.0.0.3:6379',
    });
    expect(result.ok && result.value).toMatchObject({
      REDIS_MODE: 'cluster',
      REDIS_CLUSTER_SEEDS: ['10.0.0.2:6379', '10.0.0.3:6379'],
    });
    expect(loadConfig({}).ok && loadConfig({})).toMatchObject({
      value: { REDIS_MODE: 'standalone' },
    });
  });

  it('names every bad variable at once, one line each', () => {
    const lines = errorOf({ CHECKOUT_CURRENCY: 'pln', HTTP_PORT: '99999' }).split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    expect(lines.slice(1).map((line) => line.trim().split(':')[0])).toEqual([
      'CHECKOUT_CURRENCY',
      'HTTP_PORT',
    ]);
  });

  it('refuses a snapshot changelog without Kafka, and a topic name Kafka would refuse', () => {
    expect(errorOf({ SNAPSHOT_CHANGELOG_TOPIC: 'changelog' })).toContain(
      'SNAPSHOT_CHANGELOG_TOPIC: needs KAFKA_BROKERS',
    );
    expect(errorOf({ KAFKA_BROKERS: 'k:9092', SNAPSHOT_CHANGELOG_TOPIC: 'a b' })).toContain(
      'SNAPSHOT_CHANGELOG_TOPIC',
    );
    const result = loadConfig({ KAFKA_BROKERS: 'k:9092', SNAPSHOT_CHANGELOG_TOPIC: 'changelog' });
    expect(result.ok && result.value.SNAPSHOT_CHANGELOG_TOPIC).toBe('changelog');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '', KAFKA_BROKERS: '' }).ok).toBe(true);
  });
});

describe('checkout-projector with bad configuration', () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--conditions=@checkout/source', main], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exits 2 at once, naming the variable on stderr, without a stack trace', () => {
    const result = run({ REDIS_URL: 'http://x', HTTP_PORT: '0' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('REDIS_URL: must start with redis:// or rediss://');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  /**
   * Why: a value that passes validation but cannot work (here a REDIS_URL path that is not a
   * db index, refused when the Redis client is built) used to escape `main` as an unhandled
   * rejection: a stack trace and exit code 1, as if it were a crash.
   */
  it('exits 2 too when a setting is refused while starting (REDIS_URL with a bad path)', () => {
    const result = run({ REDIS_URL: 'redis://127.0.0.1:1/not-a-db', HTTP_PORT: '0' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('REDIS_URL has path /not-a-db');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
