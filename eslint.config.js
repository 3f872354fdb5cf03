// @ts-check
import js from '@eslint/js';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const nodeBuiltins = (await import('node:module')).builtinModules;

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.cache/**',
      '.tools/**',
      'coverage/**',
      'packages/domain/.baseline/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Use named exports (no `export *`).' },
      ],
    },
  },
  {
    // With type information: a promise nobody awaits or handles is how errors vanish here.
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // A cycle between modules means neither can be understood (or tested) without the other.
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts', 'scripts/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Tests index fixtures they just built; `!` there is clearer than a guard per line.
    files: ['**/*.test.ts', '**/testing/**/*.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The domain is pure: no I/O, no clock, no randomness. Time arrives as event data.
    files: ['packages/domain/src/**/*.ts'],
    ignores: ['packages/domain/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins.map((name) => ({ name, message: 'The domain does no I/O.' }))],
          // Patterns, so subpaths (`node:fs/promises`, `kafkajs/src/…`) are refused too.
          patterns: [
            { group: ['node:*'], message: 'The domain does no I/O.' },
            ...[
              'kafkajs',
              'ioredis',
              'commander',
              'pino',
              'prom-client',
              '@kurrent/kurrentdb-client',
              '@checkout/engine',
              '@checkout/redis',
              '@checkout/kafka',
            ].map((name) => ({ group: [name, `${name}/*`], message: 'The domain does no I/O.' })),
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'No clock in the domain: time is event data.' },
        { object: 'Math', property: 'random', message: 'No randomness in the domain.' },
        { object: 'performance', property: 'now', message: 'No clock in the domain.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Use named exports (no `export *`).' },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'No clock in the domain.',
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'fetch', 'crypto'],
    },
  },
);
