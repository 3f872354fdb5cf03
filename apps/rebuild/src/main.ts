#!/usr/bin/env node
import { runCli } from './program.ts';

/**
 * checkout-rebuild: see `checkout-rebuild --help`. SIGINT/SIGTERM stop a long run cleanly
 * (the batch in flight is stored, nothing is switched); a second one exits at once.
 */
// kafkajs 2.2.4's request queue sometimes schedules a negative timeout, which Node 24 clamps
// to 1 ms with a TimeoutNegativeWarning: harmless, and noise on an operator's terminal.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const interrupt = new AbortController();
const onSignal = () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write('\nStopping (again to exit at once)…\n');
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// `pnpm run rebuild -- --from-offset earliest` passes the `--` through; it means nothing here.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();

process.exitCode = await runCli(argv, {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: interrupt.signal,
});
// Nothing should linger, but a half-closed client must not keep an operator's shell waiting.
setTimeout(() => process.exit(), 2_000).unref();
