import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildRun {
  pid: number;
  /** Set once the child exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Peak resident set size seen so far (VmHWM), bytes. */
  peakRss(): number;
  /** Commands the child's ioredis clients sent, by name; after exit only. */
  redisCommands(): Map<string, number>;
  /** Peak of each `process.memoryUsage()` field (bytes); after exit only. */
  memory(): Record<string, number>;
  /** CPU seconds (user + system) the child used so far; while it runs only. */
  cpuSeconds(): number;
  stdout(): string;
  terminate(): Promise<void>;
}

const probe = fileURLToPath(new URL('./child-probe.ts', import.meta.url));

/**
 * Runs a TypeScript entry point from source in a child Node process, as production would run
 * it, with its output to `logFile`. Its peak RSS is the kernel's high-water mark (VmHWM),
 * sampled every 100 ms (Linux; 0 elsewhere); its Redis requests and
 * memory break-down come from a preload (child-probe.ts).
 * `BENCH_CPU_PROF=1` adds `--cpu-prof` into bench-results/profiles.
 */
export function runChild(
  entry: string,
  args: readonly string[],
  options: { env: Record<string, string>; logFile: string; resultsDir: string; label: string },
): ChildRun {
  const probeFile = join(options.resultsDir, `${options.label}.probe.json`);
  rmSync(probeFile, { force: true });
  const profile =
    process.env['BENCH_CPU_PROF'] === '1'
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${join(options.resultsDir, 'profiles')}`,
          `--cpu-prof-name=${options.label}.cpuprofile`,
        ]
      : [];
  const log = openSync(options.logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      '--disable-warning=TimeoutNegativeWarning',
      '--conditions=@checkout/source',
      `--import=${probe}`,
      ...profile,
      entry,
      ...args,
    ],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        BENCH_PROBE_FILE: probeFile,
        ...(process.env['BENCH_NODE_OPTIONS']
          ? { NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] }
          : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', log],
    },
  );
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${entry}`);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (stdout.length > 4_000_000) stdout = stdout.slice(-2_000_000); // a chatty log stays bounded
  });
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, highWaterMark(pid));
  };
  const sampler = setInterval(sample, 100);
  const run: ChildRun = {
    pid,
    exit: undefined,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        clearInterval(sampler);
        run.exit = { code, signal };
        resolve({ code, signal });
      });
    }),
    peakRss: () => {
      if (run.exit === undefined) sample();
      return peak;
    },
    redisCommands: () => new Map(Object.entries(readProbe(probeFile).redisCommands ?? {})),
    memory: () => readProbe(probeFile).memory ?? {},
    cpuSeconds: () => cpuSeconds(pid),
    stdout: () => stdout,
    async terminate() {
      if (run.exit !== undefined) return;
      sample();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await run.exited;
      clearTimeout(timer);
    },
  };
  return run;
}

function readProbe(file: string): {
  redisCommands?: Record<string, number>;
  memory?: Record<string, number>;
} {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof readProbe>;
  } catch {
    return {};
  }
}

function highWaterMark(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** utime + stime of /proc/<pid>/stat, in clock ticks of 1/100 s (Linux's USER_HZ). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
