import type { ProjectorProcess } from './projector-process.ts';

/** GET /readyz: true on 200, false on 503 or no answer. */
export async function isReady(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
    (response) => response.ok,
    () => false,
  );
}

/** GET /readyz body, or null when the process does not answer. */
export async function readyzReport(port: number): Promise<unknown> {
  return fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
    (response) => response.json() as Promise<unknown>,
    () => null,
  );
}

/**
 * Polls until `condition` holds; returns how long it took. Fails with `what` after
 * `timeoutMs`. For waiting on the system under test, never as an assertion on timing.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  intervalMs = 200,
): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return Date.now() - started;
}

/** The projector's JSON log lines whose `msg` starts with `message`. */
export function logLines(
  projector: Pick<ProjectorProcess, 'output'>,
  message: string,
): Array<Record<string, unknown>> {
  return projector.output.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return typeof parsed['msg'] === 'string' && parsed['msg'].startsWith(message) ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

/** The last `lines` lines a process printed, for failure messages. */
export function tail(projector: Pick<ProjectorProcess, 'output'>, lines = 30): string {
  return projector.output.slice(-lines).join('\n');
}
