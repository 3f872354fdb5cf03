#!/usr/bin/env node
import { loadConfig } from './config.ts';
import { startProjector } from './start-projector.ts';

/**
 * checkout-projector: folds the five checkout topics into CheckoutOrder snapshots.
 * Exit codes: 0 clean shutdown, 1 fatal alarm (see the log), 2 bad configuration.
 */
const config = loadConfig(process.env);
if (!config.ok) {
  process.stderr.write(`checkout-projector: ${config.error}\n`);
  process.exitCode = 2;
} else {
  const projector = await startProjector(config.value);
  const shutdown = (signal: NodeJS.Signals) => {
    projector.log.info({ signal }, 'shutting down: finishing the batch in flight');
    void projector.stop();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.exitCode = await projector.finished;
}
