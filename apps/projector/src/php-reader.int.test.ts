import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCheckoutReader, readSnapshotTexts } from '@checkout/redis';
import { onCleanup } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { expectStateEqualsFold } from './testing/expect-fold.ts';
import { produceStream } from './testing/produce-stream.ts';
import { projectorHarness } from './testing/projector-harness.ts';
import { storeModes } from './testing/store-modes.ts';

const PHP_CLIENT = fileURLToPath(new URL('../../../clients/php/', import.meta.url));
const PARTITIONS = 3;
const UNKNOWN_SESSIONS = ['never-seen', 'zażółć-never', '{never}'];

/**
 * The PHP reader (clients/php) against the Redis the TypeScript projector filled: its
 * PHPUnit suite reads every session the fold knows, plus unknown ones, and must find what
 * the TypeScript reader found (snapshot, totals, version), in both store modes. Session ids
 * with multi-byte UTF-8 and braces exercise murmur2 over bytes and the literal hash tags.
 */
describe.each(storeModes())('the PHP reader ($mode)', ({ mode, infrastructure }) => {
  it('reads every session exactly as the TypeScript reader does', async () => {
    const harness = await projectorHarness('php-reader', infrastructure, PARTITIONS);
    await produceStream(harness.brokers, harness.topics, { seed: 14, records: 3000 });
    await produceStream(harness.brokers, harness.topics, {
      seed: 15,
      records: 600,
      sessionPrefix: 'zażółć{x}',
    });
    await harness.start();
    const { comparison } = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    expect(comparison.sessionIds.some((id) => id.startsWith('zażółć{x}'))).toBe(true);

    const reader = createCheckoutReader({
      redis: harness.redis,
      namespace: harness.namespace,
      group: harness.group,
    });
    const sessionIds = [...comparison.sessionIds, ...UNKNOWN_SESSIONS];
    const sessions = await Promise.all(
      sessionIds.map(async (id) => {
        const order = await reader.readOrder(id);
        return {
          session_id: id,
          snapshot: order.value,
          version: order.version,
          totals: await reader.getTotals(id),
        };
      }),
    );
    const [sample] = await readSnapshotTexts(harness.redis, harness.layout, null, [
      comparison.sessionIds[0] ?? '',
    ]);

    const report = await runPhpUnit(
      mode,
      {
        CHECKOUT_TEST_REDIS_MODE: mode,
        CHECKOUT_TEST_REDIS_URL: harness.redisUrl,
        CHECKOUT_TEST_REDIS_SEEDS: infrastructure.redisCluster?.seeds.join(',') ?? '',
        CHECKOUT_TEST_NAMESPACE: harness.namespace,
        CHECKOUT_TEST_PARTITIONS: String(PARTITIONS),
      },
      { currency: 'PLN', sample_document: sample, sessions },
    );
    expect(report).toEqual({
      mode,
      known: comparison.sessionIds.length,
      unknown: UNKNOWN_SESSIONS.length,
    });
    expect(comparison.sessionIds.length).toBeGreaterThan(50);
  });
});

/** Runs the PHPUnit suite with the expected reads in a file; answers with what it compared. */
async function runPhpUnit(
  mode: string,
  env: Record<string, string>,
  expected: unknown,
): Promise<unknown> {
  const directory = await mkdtemp(join(tmpdir(), `php-reader-${mode}-`));
  onCleanup(() => rm(directory, { recursive: true, force: true }));
  const expectedFile = join(directory, 'expected.json');
  const reportFile = join(directory, 'report.json');
  await writeFile(expectedFile, JSON.stringify(expected));
  const child = spawn('phpunit', ['--configuration', join(PHP_CLIENT, 'phpunit.xml')], {
    cwd: PHP_CLIENT,
    env: {
      ...process.env,
      ...env,
      CHECKOUT_TEST_EXPECTED: expectedFile,
      CHECKOUT_TEST_REPORT: reportFile,
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | string>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    child.on('close', (exitCode) => resolve(exitCode ?? -1));
  });
  if (code === 'ENOENT') {
    throw new Error(
      'phpunit is not installed: apt-get install -y php-cli php-redis phpunit (.ci/run does)',
    );
  }
  expect(output, 'PHPUnit output').toMatch(/^OK \(\d+ tests?, \d+ assertions?\)$/m);
  expect(code, output).toBe(0);
  return JSON.parse(await readFile(reportFile, 'utf8')) as unknown;
}
