import { spawn, type ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../program.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON (`--json`). */
  json: Record<string, unknown> & { ok?: boolean; exit_code?: number };
}

/** Runs `checkout-rebuild <args>` in this process, without a terminal; captures its output. */
export async function runRebuildCli(
  env: Record<string, string>,
  args: readonly string[],
  signal: AbortSignal = new AbortController().signal,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    stdout: new Writable({
      write: (chunk, _encoding, done) => ((stdout += String(chunk)), done()),
    }),
    stderr: new Writable({
      write: (chunk, _encoding, done) => ((stderr += String(chunk)), done()),
    }),
    stdin: Readable.from([]),
    signal,
  });
  let json: CliRun['json'] = {};
  try {
    json = JSON.parse(stdout) as CliRun['json'];
  } catch {
    // not --json
  }
  return { code, stdout, stderr, json };
}

const main = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface RebuildProcess {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `checkout-rebuild` from source in a child process, as an operator would. */
export function spawnRebuildCli(
  env: Record<string, string>,
  args: readonly string[],
): RebuildProcess {
  const child = spawn(process.execPath, ['--conditions=@checkout/source', main, ...args], {
    env: { PATH: process.env['PATH'] ?? '', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) =>
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exited };
}
