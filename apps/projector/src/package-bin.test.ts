import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 15: `pnpm install` on a fresh clone warned twice "Failed to create bin at
 * apps/rebuild/node_modules/.bin/checkout-projector": the bin pointed at dist/main.js, which
 * exists only after a build. It points at a committed, executable launcher now.
 */
describe("the projector package's bin", () => {
  it('is a committed executable file that runs the built daemon', () => {
    const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
    const { bin } = JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const launcher = resolve(packageDir, bin['checkout-projector']!);
    expect(() => accessSync(launcher, constants.X_OK)).not.toThrow();
    expect(readFileSync(launcher, 'utf8')).toContain("import('../dist/main.js')");
  });
});
