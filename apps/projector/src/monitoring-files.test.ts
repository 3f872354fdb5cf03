import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from './metrics.ts';

/**
 * The alerting rules, the Grafana dashboard and the compose wiring under deploy/ and docker/
 * are checked against what this projector exports: a renamed metric would otherwise leave an
 * alert that can never fire, silently. `promtool` (Debian package `prometheus`; .ci/run
 * installs it) validates the files and runs each rule's unit test.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const prometheusDir = join(root, 'deploy/prometheus');
const rulesFile = join(prometheusDir, 'checkout-alerts.yml');
const rulesTestFile = join(prometheusDir, 'checkout-alerts.test.yml');
const dashboardFile = join(root, 'deploy/grafana/dashboards/checkout-projector.json');
const composeFile = join(root, 'docker/compose.yaml');

interface Rules {
  groups: { rules: { alert?: string; expr: string }[] }[];
}
interface RuleTests {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}
interface Dashboard {
  panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
}

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: prometheusDir, encoding: 'utf8' });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT')
      throw new Error('promtool is not on the PATH: apt-get install prometheus (.ci/run does)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout}${failure.stderr}`);
  }
}

async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = await createMetrics().registry.getMetricsAsJSON();
  return new Set(
    metrics.flatMap(({ name, type }) =>
      String(type) === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
    ),
  );
}

const checkoutMetricsIn = (expr: string) => expr.match(/\bcheckout_[a-z_]+\b/g) ?? [];

const alerts = () =>
  (parse(readFileSync(rulesFile, 'utf8')) as Rules).groups
    .flatMap((group) => group.rules)
    .filter((rule) => rule.alert !== undefined);

describe('monitoring files', () => {
  it('pass promtool: the configuration, the rules and every rule unit test', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toContain('SUCCESS: 1 rule files found');
    expect(promtool('test', 'rules', 'checkout-alerts.test.yml')).toContain('SUCCESS');
  });

  it('test every alert, firing at least once, and no alert that does not exist', () => {
    const tests = parse(readFileSync(rulesTestFile, 'utf8')) as RuleTests;
    expect(tests.rule_files).toEqual(['checkout-alerts.yml']);
    const cases = tests.tests.flatMap((test) => test.alert_rule_test ?? []);
    const names = alerts().map((rule) => rule.alert);
    expect(names.length).toBeGreaterThanOrEqual(10);
    const firing = new Set(cases.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    expect(names.filter((name) => name !== undefined && !firing.has(name))).toEqual([]);
    expect(cases.map((c) => c.alertname).filter((name) => !names.includes(name))).toEqual([]);
  });

  it('query only metrics the projector exports, in the rules and in the dashboard', async () => {
    const exported = await exportedMetricNames();
    const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as Dashboard;
    const queried = [
      ...alerts().flatMap((rule) => checkoutMetricsIn(rule.expr)),
      ...dashboard.panels.flatMap((panel) =>
        panel.targets.flatMap((target) => checkoutMetricsIn(target.expr)),
      ),
    ];
    expect(queried).toContain('checkout_consumer_lag_seconds');
    expect([...new Set(queried)].filter((name) => !exported.has(name))).toEqual([]);
    // The dashboard names the datasource Grafana is provisioned with.
    const datasources = parse(
      readFileSync(join(root, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: { uid: string }[] };
    const uids = new Set(datasources.datasources.map(({ uid }) => uid));
    expect(dashboard.panels.filter((panel) => !uids.has(panel.datasource.uid))).toEqual([]);
  });

  it('are what docker/compose.yaml mounts into Prometheus and Grafana', () => {
    const compose = parse(readFileSync(composeFile, 'utf8')) as {
      services: Record<string, { volumes?: string[] }>;
    };
    const mounts = (service: string) =>
      (compose.services[service]?.volumes ?? []).map((volume) => {
        const [host = '', container = ''] = volume.split(':');
        return { host: resolve(dirname(composeFile), host), container };
      });
    expect(mounts('prometheus')).toEqual([{ host: prometheusDir, container: '/etc/prometheus' }]);
    const grafana = mounts('grafana');
    expect(grafana.map(({ container }) => container)).toEqual([
      '/etc/grafana/provisioning',
      '/var/lib/grafana/dashboards',
    ]);
    expect(grafana.every(({ host }) => existsSync(host))).toBe(true);
    expect(existsSync(join(grafana[1]!.host, 'checkout-projector.json'))).toBe(true);
  });
});
