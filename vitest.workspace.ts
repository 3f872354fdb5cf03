/**
 * The one list of test projects. vitest 4 no longer reads this file by itself:
 * vitest.config.ts imports it into `test.projects`.
 *
 * - unit: pure and single-module tests (`*.test.ts`), no network, fast.
 * - integration: `*.int.test.ts`, against a real Kafka broker and real Redis servers that
 *   packages/testkit starts (or KAFKA_BROKERS / REDIS_URL when given).
 * - secure: `*.secure.int.test.ts`, against a Kafka broker with a SASL_SSL listener and a Redis
 *   with a TLS port (packages/testkit/src/secure-global-setup.ts), started only when one of
 *   these files runs.
 */
import { defineProject } from 'vitest/config';

// Run workspace packages from their TypeScript sources, like `node --conditions=@checkout/source`.
const sourceCondition = {
  resolve: { conditions: ['@checkout/source', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@checkout/source', 'node', 'import', 'default'] } },
};

export default [
  defineProject({
    ...sourceCondition,
    test: {
      name: 'unit',
      include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
      exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
    },
  }),
  defineProject({
    ...sourceCondition,
    test: {
      name: 'integration',
      include: ['packages/*/src/**/*.int.test.ts', 'apps/*/src/**/*.int.test.ts'],
      exclude: ['**/*.secure.int.test.ts', '**/node_modules/**', '**/dist/**'],
      globalSetup: ['packages/testkit/src/global-setup.ts'],
      // kafkajs passes negative delays to setTimeout, which Node 24 warns about (kafkajs#1751).
      execArgv: ['--disable-warning=TimeoutNegativeWarning'],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      // Fault tests start brokers and kill processes; on 2 cores they run one file at a time.
      fileParallelism: false,
    },
  }),
  defineProject({
    ...sourceCondition,
    test: {
      name: 'secure',
      include: ['packages/*/src/**/*.secure.int.test.ts', 'apps/*/src/**/*.secure.int.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      globalSetup: ['packages/testkit/src/secure-global-setup.ts'],
      execArgv: ['--disable-warning=TimeoutNegativeWarning'],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      // One file at a time, in the same sequence as the integration files.
      fileParallelism: false,
    },
  }),
];
