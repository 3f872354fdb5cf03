import { parentPort } from 'node:worker_threads';
import { createInMemoryProjectionStore } from '@checkout/embedded';
import { createProjectionEngine, topicNames, type ProjectionEngine } from '@checkout/engine';
import { unpackBatch, type PackedBatch } from './fold-worker-batch.ts';

/** The worker of scripts/bench/fold-workers.ts: folds the batches it is handed, in order. */
const topics = topicNames('');
let engine: ProjectionEngine | undefined;
let queue: Promise<void> = Promise.resolve();

parentPort?.on('message', (message: { reset?: boolean; batch?: PackedBatch; end?: boolean }) => {
  if (message.reset === true) {
    engine = createProjectionEngine({
      store: createInMemoryProjectionStore(),
      deadLetters: { publish: async () => {} },
      topics,
    });
  }
  const { batch } = message;
  if (batch !== undefined) {
    queue = queue.then(async () => {
      await engine?.processBatch(unpackBatch(batch));
    });
  }
  if (message.end === true) {
    void queue.then(() => parentPort?.postMessage({ done: true }));
  }
});
