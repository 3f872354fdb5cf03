#!/usr/bin/env node
import { loadConfig } from './config.ts';
import { exitCodeOf, isConfigurationError } from './exit-code.ts';
import { startProjector, type RunningProjector } from './start-projector.ts';

/** checkout-projector: folds the five checkout topics into CheckoutOrder snapshots (exit codes: exit-code.ts). */
const config = loadConfig(process.env);
if (!config.ok) {
  process.stderr.write(`checkout-projector: ${config.error}\n`);
  process.exitCode = 2;
} else {
  let projector: RunningProjector | undefined;
  try {
    projector = await startProjector(config.value);
  } catch (error) {
    // A setting that passed validation but cannot work (a REDIS_URL path, an unreadable CA
    // file, a refused login) is still bad configuration: one line, no stack trace.
    const message = error instanceof Error ? error.message : String(error);
    const configuration = isConfigurationError(error);
    process.stderr.write(
      `checkout-projector: ${configuration ? 'Invalid configuration' : 'cannot start'}: ${message}\n`,
    );
    // Clients created before the failure (a reconnecting Redis) would keep the process alive.
    process.exit(exitCodeOf(error));
  }
  const running = projector;
  const shutdown = (signal: NodeJS.Signals) => {
    running.log.info({ signal }, 'shutting down: finishing the batch in flight');
    void running.stop();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.exitCode = await running.finished;
}
