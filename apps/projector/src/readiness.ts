/**
 * What `/readyz` reports. Each component either pushes its state (`set`, e.g. the consumer
 * while it retries) or is asked when the report is built (`probe`, e.g. the Redis client).
 * The process is ready when every component is; otherwise the report says why.
 */
export interface ComponentState {
  ready: boolean;
  reason?: string;
}

export interface Readiness {
  set(component: string, ready: boolean, reason?: string): void;
  probe(component: string, check: () => ComponentState): void;
  report(): { ready: boolean; components: Record<string, ComponentState> };
}

export function createReadiness(initial: readonly string[]): Readiness {
  const pushed = new Map<string, ComponentState>(
    initial.map((name) => [name, { ready: false, reason: 'starting' }]),
  );
  const probes = new Map<string, () => ComponentState>();
  return {
    set(component, ready, reason) {
      pushed.set(component, reason === undefined || ready ? { ready } : { ready, reason });
    },
    probe(component, check) {
      pushed.delete(component);
      probes.set(component, check);
    },
    report() {
      const components: Record<string, ComponentState> = Object.fromEntries(pushed);
      for (const [name, check] of probes) components[name] = check();
      return { ready: Object.values(components).every((state) => state.ready), components };
    },
  };
}
