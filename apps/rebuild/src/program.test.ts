import { describe, expect, it } from 'vitest';
import { runRebuildCli } from './testing/run-cli.ts';

// Nothing here reaches Kafka or Redis: usage and configuration fail before any connection.
const env = { KAFKA_BROKERS: '127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9' };

describe('checkout-rebuild command line', () => {
  it('prints help with examples and exit codes, exit 0', async () => {
    const help = await runRebuildCli({}, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--from-offset <n\|earliest>/);
    expect(help.stdout).toMatch(/Examples:\n {2}# Rebuild everything/);
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 failure, 2 bad usage/);
    expect((await runRebuildCli({}, ['generations', '--help'])).stdout).toMatch(
      /activate \[options\] <id>/,
    );
  });

  it('is a usage error (exit 2) without a mode, with two modes, or with an unknown option', async () => {
    const none = await runRebuildCli(env, []);
    expect(none).toMatchObject({ code: 2, stderr: expect.stringMatching(/Choose what to do/) });
    expect((await runRebuildCli(env, ['--from-offset', 'earliest', '--from-snapshot'])).code).toBe(
      2,
    );
    expect((await runRebuildCli(env, ['--from-offset', 'latest'])).code).toBe(2);
    for (const args of [['bogus'], ['dlq', 'bogus'], ['status', 'bogus']])
      expect((await runRebuildCli(env, args)).code, args.join(' ')).toBe(2);
    const unknown = await runRebuildCli(env, ['--frobnicate']);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown option '--frobnicate'/),
    });
  });

  it('says it stopped, not that it retries, when Redis does not answer (exit 1)', async () => {
    // Port 1 on loopback: refused at once, no server reached.
    const run = await runRebuildCli({ ...env, REDIS_URL: 'redis://127.0.0.1:1' }, ['status']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Could not connect to Redis: connect ECONNREFUSED/);
    expect(run.stderr).toMatch(/stopped without retrying further \(exit 1\): run it again/);
    expect(run.stderr).not.toMatch(/Retrying with backoff/);
  });

  it('names the bad environment variable (exit 2), in JSON too', async () => {
    const run = await runRebuildCli({ REDIS_URL: 'http://x' }, ['--verify', '--json']);
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({ ok: false, exit_code: 2, error: { reason: 'usage' } });
    expect(String((run.json['error'] as { message: string }).message)).toMatch(
      /KAFKA_BROKERS: is required[\s\S]*REDIS_URL: must start with redis:\/\//,
    );
  });

  it('refuses rebuild flags given to a subcommand', async () => {
    const run = await runRebuildCli(env, ['--from-offset', '3', 'status']);
    expect(run).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--from-offset applies to the rebuild itself, not to "status"/),
    });
  });
});
