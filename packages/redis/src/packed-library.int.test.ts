import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  DEFAULT_DOMAIN_CONFIG,
  evolve,
  getTotals,
  initialCheckoutOrder,
  parseCheckoutEvent,
  toSnapshot,
} from '@checkout/domain';
import {
  connectRedis,
  deleteKeys,
  onCleanup,
  sharedInfrastructure,
  uniqueNames,
} from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { keyspace } from './keyspace.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const LIBRARIES = ['domain', 'engine', 'redis'] as const;
const TYPES_NODE = (
  JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  }
).devDependencies['@types/node'];

/** What another TypeScript service writes: plain imports, no source condition, no workspace. */
const CONSUMER = `
import { connectRedisClient, createCheckoutReader, createRedisClient } from '@checkout/redis';
import { parseCheckoutEvent } from '@checkout/domain';
const redis = createRedisClient(process.env.REDIS_URL);
await connectRedisClient(redis);
const reader = createCheckoutReader({ redis, namespace: process.env.NAMESPACE });
const known = await reader.getTotals(process.env.SESSION);
const unknown = await reader.getTotals('nobody');
const parsed = parseCheckoutEvent('{"no":"envelope"}');
console.log(JSON.stringify({ known, unknown, rejected: parsed.ok ? null : parsed.error.reason }));
redis.disconnect();
`;

const TYPED_CONSUMER = `
import { createCheckoutReader, type CheckoutReader } from '@checkout/redis';
import { getTotals, type CheckoutTotals } from '@checkout/domain';
export type Reader = CheckoutReader;
export const reader: typeof createCheckoutReader = createCheckoutReader;
export const totals: (order: Parameters<typeof getTotals>[0]) => CheckoutTotals = getTotals;
`;

describe('@checkout/redis and @checkout/domain as libraries', () => {
  it('pack, install and import outside the monorepo: dist with types, no tests, no projector', async () => {
    const { redisUrl } = sharedInfrastructure();
    const names = uniqueNames('packed-library');
    const redis = connectRedis(redisUrl);
    onCleanup(() => deleteKeys(redis, `${names.prefix}:*`));
    const session = 's-packed';
    const event = parseCheckoutEvent(
      JSON.stringify({
        event_id: 'e-1',
        event_name: 'cart.item_added',
        aggregate_id: session,
        occurred_at: '2031-01-01T00:00:00Z',
        payload: { sku: 'SKU-1', quantity: 2, unit_price_cents: 150 },
      }),
    );
    if (!event.ok || event.value.kind !== 'event') throw new Error('bad fixture');
    const order = evolve(initialCheckoutOrder(session, DEFAULT_DOMAIN_CONFIG), event.value.event);
    if (!order.ok) throw new Error('bad fixture');
    await redis.set(
      keyspace(names.prefix).snapshot(session),
      JSON.stringify(toSnapshot(order.value)),
    );

    // Built as a release would be, then packed as `pnpm publish` would pack it.
    await run('pnpm', ['exec', 'tsc', '-b', 'packages/redis'], { cwd: root });
    const work = await mkdtemp(join(tmpdir(), 'checkout-packed-'));
    onCleanup(() => rm(work, { recursive: true, force: true }));
    const tarballs: Record<string, string> = {};
    for (const library of LIBRARIES) {
      await run('pnpm', ['pack', '--pack-destination', work], {
        cwd: join(root, 'packages', library),
      });
    }
    for (const file of await readdir(work)) {
      const library = LIBRARIES.find((name) => file === `checkout-${name}-0.1.0.tgz`);
      if (library !== undefined) tarballs[`@checkout/${library}`] = `file:${join(work, file)}`;
    }
    expect(Object.keys(tarballs).sort()).toEqual(LIBRARIES.map((name) => `@checkout/${name}`));

    for (const library of LIBRARIES) {
      const { stdout } = await run('tar', ['tzf', join(work, `checkout-${library}-0.1.0.tgz`)]);
      const files = stdout.split('\n').filter(Boolean);
      expect(files).toContain('package/dist/index.js');
      expect(files).toContain('package/dist/index.d.ts');
      expect(files.filter((file) => /\.test\.|\/test\/|\/test-|\/src\//.test(file))).toEqual([]);
      const { stdout: manifest } = await run('tar', [
        'xzf',
        join(work, `checkout-${library}-0.1.0.tgz`),
        '-O',
        'package/package.json',
      ]);
      const packed = JSON.parse(manifest) as {
        exports: Record<string, Record<string, string>>;
        dependencies?: Record<string, string>;
      };
      expect(JSON.stringify(packed.exports)).not.toContain('@checkout/source');
      expect(Object.keys(packed.dependencies ?? {})).not.toContain('@checkout/projector');
    }

    const consumer = join(work, 'consumer');
    await run('mkdir', ['-p', consumer]);
    await writeFile(
      join(consumer, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: {
          '@checkout/redis': tarballs['@checkout/redis'],
          '@checkout/domain': tarballs['@checkout/domain'],
          // A Node service has Node's types (the readers' signatures mention Buffer).
          '@types/node': TYPES_NODE,
        },
        pnpm: { overrides: tarballs },
      }),
    );
    await run('pnpm', ['install', '--ignore-workspace', '--prefer-offline', '--silent'], {
      cwd: consumer,
    });
    await writeFile(join(consumer, 'consumer.mjs'), CONSUMER);
    const { stdout } = await run('node', ['consumer.mjs'], {
      cwd: consumer,
      env: {
        PATH: process.env['PATH'] ?? '',
        REDIS_URL: redisUrl,
        NAMESPACE: names.prefix,
        SESSION: session,
      },
    });
    const read = JSON.parse(stdout) as Record<string, unknown>;
    expect(read['known']).toEqual(getTotals(order.value));
    expect(read['unknown']).toMatchObject({ grand_total_cents: 0, item_count: 0 });
    expect(read['rejected']).toBe('invalid_envelope');

    // And its types resolve from dist through `exports`, as a TypeScript service compiles.
    await writeFile(join(consumer, 'typed.ts'), TYPED_CONSUMER);
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const typed = await run('node', [tsc, '-p', consumer]).catch((error: { stdout?: string }) => ({
      stdout: `failed: ${error.stdout ?? String(error)}`,
    }));
    expect(typed.stdout).toBe('');
    expect(await readFile(join(consumer, 'package.json'), 'utf8')).toContain('@checkout/redis');
  });
});
