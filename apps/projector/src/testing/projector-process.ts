import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface ProjectorProcess {
  readonly child: ChildProcess;
  /** Every stdout/stderr line so far (JSON log lines and plain text). */
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** Polls GET /readyz until 200. */
  waitUntilReady(port: number, timeoutMs?: number): Promise<void>;
}

/** Runs `checkout-projector` from source in a child process, as production would run it. */
export function spawnProjector(env: Record<string, string>): ProjectorProcess {
  const child = spawn(
    process.execPath,
    ['--disable-warning=TimeoutNegativeWarning', '--conditions=@checkout/source', main],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const collect = (chunk: Buffer) =>
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output,
    exited,
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async waitUntilReady(port, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null)
          throw new Error(
            `projector exited with ${child.exitCode}:\n${output.slice(-20).join('\n')}`,
          );
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ready) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(
        `projector not ready after ${timeoutMs} ms:\n${output.slice(-20).join('\n')}`,
      );
    },
  };
}
