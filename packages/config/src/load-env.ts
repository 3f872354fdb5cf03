import type { z } from 'zod';
import type { CrossCheck } from './env-fields.ts';

export type ConfigResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Validates the environment against `schema`, then `checks` in order: one message line per
 * bad variable, naming it, so a bad configuration fails fast and says what to fix. An empty
 * variable counts as unset; variables the schema does not know are ignored.
 */
export function loadEnv<S extends z.ZodObject>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  checks: ReadonlyArray<CrossCheck<z.output<S>>> = [],
): ConfigResult<z.output<S>> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    return invalid(lines);
  }
  for (const check of checks) {
    const problem = check(parsed.data);
    if (problem !== undefined) return invalid([`  ${problem}`]);
  }
  return { ok: true, value: parsed.data };
}

function invalid(lines: readonly string[]): { ok: false; error: string } {
  return { ok: false, error: `Invalid configuration:\n${lines.join('\n')}` };
}
