import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Server processes (a Kafka broker, a redis-server) that never outlive the test process.
 *
 * Each runs in its own process group (`detached`), so a signal reaches every process its start
 * script forks, and Ctrl-C in a terminal reaches us, not it. Two guards kill the group when the
 * test process goes away:
 * - a `process.on('exit')` hook, for a normal exit;
 * - a watchdog per data dir: a tiny `bash` blocked reading a pipe from us. The kernel closes the
 *   pipe however we end (SIGKILL, a vitest worker torn down without an 'exit' event, a crash),
 *   `read` returns, and the watchdog SIGKILLs the group named in `<dataDir>/.pgid`, then
 *   deletes the data dir when we created it (unless TESTKIT_KEEP_DATA=1).
 *
 * The start script must `exec` the server (run-broker.sh and run-server.sh do), so the server
 * is our own child: we reap it and know exactly when it has exited. An orphan would not be
 * reaped on a machine whose PID 1 is not an init, and "wait until it is gone" would hang.
 */
export interface ManagedProcess {
  readonly pid: number;
  /** Resolves once the process has exited, whatever the reason. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** SIGTERM to the group, then wait; SIGKILL after `graceMs`. */
  terminate(graceMs: number): Promise<ProcessExit>;
  /** SIGKILL to the group, then wait for the exit. */
  kill(): Promise<ProcessExit>;
  /** SIGSTOP (true) or SIGCONT (false) to the group: a hung process, a black hole. */
  freeze(frozen: boolean): void;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Appends the process' stdout and stderr here. */
  logFile: string;
  cwd?: string;
}

/** Spawns the servers of one data dir, one at a time (a restart is a new process). */
export interface ServerGuard {
  spawn(command: string, args: readonly string[], options: SpawnOptions): ManagedProcess;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

const watchdogScript = `read -r _
pgid="$(cat "$1/.pgid" 2>/dev/null)" && kill -KILL -- "-$pgid" 2>/dev/null
if [ "$2" = remove ]; then sleep 0.5; rm -rf -- "$1"; fi`;

/**
 * Starts the watchdog of `dataDir`. `removeDataDir`: delete the dir once the test process is
 * gone (for dirs testkit created itself).
 */
export function guardServers(dataDir: string, removeDataDir: boolean): ServerGuard {
  installExitHook();
  const remove = removeDataDir && process.env['TESTKIT_KEEP_DATA'] !== '1';
  const watchdog = spawn(
    'bash',
    ['-c', watchdogScript, 'watchdog', dataDir, remove ? 'remove' : 'keep'],
    {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  watchdog.unref();
  (watchdog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  const pgidFile = join(dataDir, '.pgid');
  return {
    spawn(command, args, options) {
      const log = openSync(options.logFile, 'a');
      const child = spawn(command, args, {
        cwd: options.cwd,
        detached: true,
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      const pid = child.pid;
      if (pid === undefined) throw new Error(`managed-process: could not spawn ${command}`);
      // A server left running must not keep the test process alive: the guards kill it.
      child.unref();
      liveGroups.add(pid);
      writeFileSync(pgidFile, String(pid));
      return manage(child, pid, pgidFile);
    },
  };
}

function manage(child: ChildProcess, pid: number, pgidFile: string): ManagedProcess {
  let running = true;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      // Leftovers of the group (a half-done `StorageTool format`, say) go with it.
      signalGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
      rmSync(pgidFile, { force: true }); // The pgid may be reused; the watchdog must not kill it.
      resolve({ code, signal });
    });
  });
  return {
    pid,
    exited,
    isRunning: () => running,
    async terminate(graceMs) {
      if (!running) return exited;
      child.ref(); // Keep the event loop alive until the exit we wait for.
      signalGroup(pid, 'SIGCONT'); // a frozen process cannot handle SIGTERM
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      if (!running) return exited;
      child.ref();
      signalGroup(pid, 'SIGCONT'); // a frozen process dies all the same, but say so
      signalGroup(pid, 'SIGKILL');
      return exited;
    },
    freeze(frozen) {
      if (running) signalGroup(pid, frozen ? 'SIGSTOP' : 'SIGCONT');
    },
  };
}

/** The last `lines` lines of a text file, or a note that it is missing. */
export function tailFile(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${path})`;
  }
}
