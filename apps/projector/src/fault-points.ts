import type { ProjectorConfig } from './config.ts';

export type FaultPoint = NonNullable<ProjectorConfig['CHECKOUT_FAULT_POINT']>;

/**
 * Test hook for crash-consistency tests: with CHECKOUT_FAULT_POINT set, the process kills
 * itself with SIGKILL (no cleanup, like a power cut) the N-th time that step is reached.
 * Unset in production: then this returns a no-op.
 */
export function faultInjector(
  config: Pick<ProjectorConfig, 'CHECKOUT_FAULT_POINT' | 'CHECKOUT_FAULT_AFTER'>,
) {
  const target = config.CHECKOUT_FAULT_POINT;
  if (target === undefined) return (_point: string) => {};
  let remaining = config.CHECKOUT_FAULT_AFTER;
  return (point: string) => {
    if (point !== target) return;
    remaining -= 1;
    if (remaining <= 0) {
      process.stderr.write(`fault-point: crashing at ${point}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
}
