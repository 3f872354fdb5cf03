import { connectRedis, onCleanup, sharedInfrastructure, startRedisServer } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { runRebuildCli } from './testing/run-cli.ts';

const WRONG = 'Wrong-Password-5678';

/** Issue 10 §1 (part): checkout-rebuild prints no password, in text or --json, and names the cause. */
describe('checkout-rebuild output', () => {
  it('never prints a wrong Redis password, and says the login was refused', async () => {
    const { kafkaBrokers } = sharedInfrastructure();
    const server = await startRedisServer();
    onCleanup(() => server.stop());
    await connectRedis(server.url).config('SET', 'requirepass', 'Right-Password-0c2e');
    const env = {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      REDIS_URL: `redis://default:${WRONG}@127.0.0.1:${server.port}`,
    };
    for (const args of [
      ['status'],
      ['status', '--json'],
      ['--from-offset', 'earliest', '--yes', '--json'],
      ['--verify', '--json', '--verbose'],
    ]) {
      const run = await runRebuildCli(env, args);
      const output = run.stdout + run.stderr;
      expect(run.code, output).not.toBe(0);
      expect(output, args.join(' ')).not.toContain(WRONG);
      expect(output, args.join(' ')).toMatch(/WRONGPASS|refused the login/);
    }
  });
});
