import type { ProjectorConfig } from './config.ts';

export type FaultPoint = NonNullable<ProjectorConfig['CHECKOUT_FAULT_POINT']>;

/**
 * Test hook for crash-consistency tests: with CHECKOUT_FAULT_POINT set, the process sends
 * itself CHECKOUT_FAULT_SIGNAL the N-th time that step is reached (once): SIGKILL is a power
 * cut (no cleanup), SIGSTOP a freeze (a long GC pause, a stalled VM) that a test ends with
 * SIGCONT, making the process a zombie after a rebalance.
 * Unset in production: then this returns a no-op.
 */
export function faultInjector(
  config: Pick<
    ProjectorConfig,
    'CHECKOUT_FAULT_POINT' | 'CHECKOUT_FAULT_AFTER' | 'CHECKOUT_FAULT_SIGNAL'
  >,
) {
  const target = config.CHECKOUT_FAULT_POINT;
  if (target === undefined) return (_point: string) => {};
  let remaining = config.CHECKOUT_FAULT_AFTER;
  return (point: string) => {
    if (point !== target) return;
    remaining -= 1;
    if (remaining !== 0) return;
    const signal = config.CHECKOUT_FAULT_SIGNAL;
    process.stderr.write(
      `fault-point: ${signal === 'SIGSTOP' ? 'freezing' : 'crashing'} at ${point}\n`,
    );
    process.kill(process.pid, signal);
  };
}
