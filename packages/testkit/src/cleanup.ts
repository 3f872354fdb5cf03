import { afterAll, onTestFinished } from 'vitest';

/**
 * Registers `fn` to run when the current test finishes (pass or fail), or, when called outside a
 * test (a `describe` body or the file's top level), after the suite. Call it right where the
 * thing that needs cleaning is created.
 *
 * In a `beforeAll`, return the teardown from the hook instead: vitest ignores an `afterAll`
 * registered while hooks run.
 */
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  const run = async (): Promise<void> => {
    await fn();
  };
  try {
    onTestFinished(run);
  } catch {
    afterAll(run);
  }
}
