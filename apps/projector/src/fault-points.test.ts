import { afterEach, describe, expect, it, vi } from 'vitest';
import { faultInjector } from './fault-points.ts';

describe('faultInjector', () => {
  afterEach(() => vi.restoreAllMocks());

  it('signals the process once, the N-th time the named step is passed', () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const step = faultInjector({
      CHECKOUT_FAULT_POINT: 'after-load',
      CHECKOUT_FAULT_AFTER: 3,
      CHECKOUT_FAULT_SIGNAL: 'SIGSTOP',
    });
    for (const point of ['after-load', 'after-store-commit', 'after-load']) step(point);
    expect(kill).not.toHaveBeenCalled();
    step('after-load');
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGSTOP');
    // A frozen process that is thawed carries on: it must not freeze again.
    step('after-load');
    step('after-load');
    expect(kill).toHaveBeenCalledTimes(1);
  });

  it('does nothing without CHECKOUT_FAULT_POINT', () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const step = faultInjector({ CHECKOUT_FAULT_AFTER: 1, CHECKOUT_FAULT_SIGNAL: 'SIGKILL' });
    step('after-load');
    expect(kill).not.toHaveBeenCalled();
  });
});
