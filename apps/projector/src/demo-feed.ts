import { setTimeout as sleep } from 'node:timers/promises';
import type { InMemoryLog } from '@checkout/embedded';
import { generateStream } from '@checkout/generator';

/**
 * Embedded mode's producer: appends generated checkout traffic (with its share of
 * duplicates, unknown events and poison) to the in-process log at a steady rate.
 */
export async function runDemoFeed(options: {
  log: InMemoryLog;
  eventsPerSecond: number;
  seed: number;
  toPhysical: (topic: string) => string;
  signal: AbortSignal;
}): Promise<void> {
  if (options.eventsPerSecond === 0) return;
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((options.eventsPerSecond * tickMs) / 1000));
  const stream = generateStream({
    seed: options.seed,
    records: Number.MAX_SAFE_INTEGER,
    concurrentSessions: 20,
  });
  while (!options.signal.aborted) {
    for (let index = 0; index < perTick; index += 1) {
      const next = stream.next();
      if (next.done) return;
      const record = next.value;
      options.log.append(options.toPhysical(record.topic), record.key, record.value);
    }
    await sleep(tickMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
