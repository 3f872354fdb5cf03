import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, onCleanup } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { isReady, waitUntil } from './testing/probes.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Issue 15: `pnpm start` stopped by a SIGTERM to pnpm's PID, as a supervisor does, exited 143
 * and left the projector running, orphaned, still serving its port: pnpm hands the signal to
 * the shell that runs the script, and the shell does not hand it on. The script now execs
 * node, so the signal reaches the projector, which stops as it does on any SIGTERM.
 */
describe('the README commands, stopped with SIGTERM to their PID', () => {
  for (const command of [
    ['pnpm', 'start'],
    ['./checkout', 'start'],
  ]) {
    it(`${command.join(' ')} stops the projector and exits 0`, async () => {
      const port = await findFreePort();
      const child = spawn(command[0]!, command.slice(1), {
        cwd: root,
        // Embedded defaults: no KAFKA_BROKERS or REDIS_URL from the test's environment.
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? root,
          HTTP_PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      onCleanup(() => void child.kill('SIGKILL'));
      await waitUntil(() => isReady(port), `${command.join(' ')} ready on ${port}`, 60_000);

      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal }, output.join('')).toEqual({ code: 0, signal: null });
      expect(output.join('')).toContain('checkout-projector stopped');
      expect(await isReady(port)).toBe(false);
    });
  }
});
