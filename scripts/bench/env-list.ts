/**
 * A bench variable of the form `NAME=value,NAME=value` as an environment for a child:
 * `BENCH_ENV` (every projector and rebuild), `BENCH_FRESHNESS_ENV` (the freshness projector),
 * so a setting can be tried without editing the bench.
 */
export function envListOf(variable: string): Record<string, string> {
  const entries: Array<[string, string]> = [];
  for (const part of (process.env[variable] ?? '').split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at <= 0) throw new Error(`${variable}: ${part} is not NAME=value`);
    entries.push([part.slice(0, at).trim(), part.slice(at + 1).trim()]);
  }
  return Object.fromEntries(entries);
}
