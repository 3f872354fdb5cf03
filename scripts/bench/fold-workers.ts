import { Worker } from 'node:worker_threads';
import { createInMemoryProjectionStore } from '@checkout/embedded';
import { createProjectionEngine, topicNames, type SourceRecord } from '@checkout/engine';
import { generatedInput, sourceBatches } from './domain-bench.ts';
import { packBatch, unpackBatch, type PackedBatch } from './fold-worker-batch.ts';

/**
 * Issue 12 §4, measured before building anything: would worker threads that parse and fold the
 * batches of different partition numbers pay on this machine? The engine's whole batch path
 * (parse, load, fold, encode, commit) against the in-memory store, as the domain bench's
 * "engine batch path" runs it, with FOLD_WORKERS 0 (the main thread does it), 1 or 2 (the main
 * thread packs each batch's keys and values into one transferred buffer and hands the batches of
 * partition number p to worker p mod N, which folds them with its own engine and store, then
 * acknowledges). Reported per setting: events/s over wall time, CPU time of the whole process
 * (every thread) per record and the main thread's share of it; best of ROUNDS (each figure on
 * its own) after a warm-up pass, settings interleaved.
 *
 *   node --conditions=@checkout/source scripts/bench/fold-workers.ts
 *
 * RECORDS (100 000), PARTITIONS (6), ROUNDS (3), WORKERS (0,1,2). A prototype for the
 * measurement only: results stay in the worker (no snapshots travel back to a Redis writer).
 */
const records = Number(process.env['RECORDS'] ?? 100_000);
const partitions = Number(process.env['PARTITIONS'] ?? 6);
const rounds = Number(process.env['ROUNDS'] ?? 3);
const settings = (process.env['WORKERS'] ?? '0,1,2').split(',').map(Number);
const topics = topicNames('');

const batches = checkedBatches();

interface Pool {
  run(): Promise<void>;
  close(): Promise<void>;
}

function mainThreadPool(): Pool {
  return {
    async run() {
      const engine = createProjectionEngine({
        store: createInMemoryProjectionStore(),
        deadLetters: { publish: async () => {} },
        topics,
      });
      for (const batch of batches) await engine.processBatch(batch);
    },
    async close() {},
  };
}

function workerPool(count: number): Pool {
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL('./fold-worker-main.ts', import.meta.url)),
  );
  return {
    async run() {
      const pending = workers.map((worker) => {
        const done = new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          worker.on('message', function onMessage(message: { done?: boolean }) {
            if (message.done === true) {
              worker.off('message', onMessage);
              resolve();
            }
          });
        });
        worker.postMessage({ reset: true });
        return done;
      });
      for (const batch of batches) {
        const packed: PackedBatch = packBatch(batch);
        const worker = workers[(batch[0]?.partition ?? 0) % count] as Worker;
        worker.postMessage({ batch: packed }, [packed.bytes.buffer]);
      }
      for (const worker of workers) worker.postMessage({ end: true });
      await Promise.all(pending);
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

interface Figure {
  eventsPerSecond: number;
  cpuMicrosPerRecord: number;
  mainThreadMicrosPerRecord: number;
}
const best = new Map<number, Figure>();
const pools = new Map<number, Pool>(
  settings.map((count) => [count, count === 0 ? mainThreadPool() : workerPool(count)]),
);
for (let round = 0; round <= rounds; round += 1) {
  for (const count of settings) {
    const pool = pools.get(count) as Pool;
    const wallStart = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const threadStart = process.threadCpuUsage();
    await pool.run();
    const cpu = process.cpuUsage(cpuStart);
    const thread = process.threadCpuUsage(threadStart);
    const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
    if (round === 0) continue; // warm-up
    const figure: Figure = {
      eventsPerSecond: records / wallSeconds,
      cpuMicrosPerRecord: (cpu.user + cpu.system) / records,
      mainThreadMicrosPerRecord: (thread.user + thread.system) / records,
    };
    const previous = best.get(count);
    best.set(count, {
      eventsPerSecond: Math.max(previous?.eventsPerSecond ?? 0, figure.eventsPerSecond),
      cpuMicrosPerRecord: Math.min(
        previous?.cpuMicrosPerRecord ?? Infinity,
        figure.cpuMicrosPerRecord,
      ),
      mainThreadMicrosPerRecord: Math.min(
        previous?.mainThreadMicrosPerRecord ?? Infinity,
        figure.mainThreadMicrosPerRecord,
      ),
    });
  }
}
for (const pool of pools.values()) await pool.close();
for (const [count, figure] of best) {
  console.log(
    `FOLD_WORKERS=${count}: ${Math.round(figure.eventsPerSecond)} events/s (wall), ` +
      `${figure.cpuMicrosPerRecord.toFixed(2)} µs CPU per record (all threads), ` +
      `${figure.mainThreadMicrosPerRecord.toFixed(2)} µs of it on the main thread`,
  );
}
console.log(`${records} records, ${partitions} partitions, best of ${rounds} rounds`);

/** The domain bench's batches, spread over `partitions`; the packing checked on one of them. */
function checkedBatches(): SourceRecord[][] {
  const batches = sourceBatches(generatedInput(7, records, partitions));
  const sample = batches[0] ?? [];
  const copy = unpackBatch(packBatch(sample));
  if (
    copy.length !== sample.length ||
    !copy.every((record, index) => record.value?.equals(sample[index]?.value ?? Buffer.alloc(0)))
  ) {
    throw new Error('packing does not round-trip');
  }
  return batches;
}
