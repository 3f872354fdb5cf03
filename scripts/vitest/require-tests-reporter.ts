import type { Reporter, TestModule } from 'vitest/node';

/**
 * Fails the run when no test executed. A vitest upgrade once stopped reading our project list
 * and "passed" with nothing collected; this makes that, or a filter matching nothing, red.
 */
export default class RequireTestsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let executed = 0;
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed' || state === 'failed') executed += 1;
      }
    }
    if (executed === 0) {
      console.error('\nrequire-tests: no test was executed; failing the run.');
      process.exitCode = 1;
    }
  }
}
