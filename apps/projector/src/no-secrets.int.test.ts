import { connectRedis, findFreePort, onCleanup, startRedisServer } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { spawnProjector } from './testing/projector-process.ts';

const PASSWORD = 'Right-Password-8d1f';
const WRONG = 'Wrong-Password-1234';

/**
 * Issue 10 §1 (part): no secret and no snapshot content in any output. A password wrong by a
 * few characters is a real password; a failed script carries whole snapshots. Real Redis with
 * a password and an ACL user; every byte the projector prints is searched.
 */
describe('checkout-projector output', () => {
  it('never prints a password or a snapshot, and still names the cause', async () => {
    const server = await startRedisServer();
    onCleanup(() => server.stop());
    const admin = connectRedis(server.url);
    await admin.call(
      'ACL',
      'SETUSER',
      'noscript',
      'on',
      `>${PASSWORD}`,
      '~*',
      '+@all',
      '-evalsha',
      '-eval',
    );
    await admin.config('SET', 'requirepass', PASSWORD);
    const run = async (redisUrl: string) => {
      const port = await findFreePort();
      const projector = spawnProjector({
        REDIS_URL: redisUrl,
        HTTP_PORT: String(port),
        DEMO_EVENTS_PER_SECOND: '200',
      });
      onCleanup(async () => {
        projector.kill('SIGKILL');
        await projector.exited;
      });
      const exit = await projector.exited;
      return { exit, output: projector.output.join('\n') };
    };

    const wrong = await run(`redis://default:${WRONG}@127.0.0.1:${server.port}`);
    expect(wrong.exit.code, wrong.output).toBe(2);
    expect(wrong.output).not.toContain(WRONG);
    expect(wrong.output).not.toContain(PASSWORD);
    expect(wrong.output).toMatch(/REDIS_URL/);
    expect(wrong.output).toMatch(/WRONGPASS/);

    // A user that may not run the commit script: the refused EVALSHA carried snapshots.
    const refused = await run(`redis://noscript:${PASSWORD}@127.0.0.1:${server.port}`);
    expect(refused.exit.code, refused.output).not.toBe(0);
    expect(refused.output).toMatch(/NOPERM/);
    expect(refused.output).toMatch(/'eval' command/);
    expect(refused.output).not.toContain(PASSWORD);
    expect(refused.output).not.toContain('schema_version');
    expect(refused.output).not.toContain('"lines"');
  });
});
