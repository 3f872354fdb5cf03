import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Preloaded into the bench's children (`node --import …/child-probe.ts`); writes what it saw
 * as JSON to `BENCH_PROBE_FILE` when the child exits:
 * - `redisCommands`: the commands the child's ioredis clients sent, by name. The server's INFO
 *   commandstats also counts the commands a Lua script runs; this counts requests only, which
 *   is what "Redis commands per event" means for the projector.
 * - `memory`: the peak of each `process.memoryUsage()` field, sampled every 100 ms, to tell
 *   the V8 heap from Buffers (external) in the peak RSS.
 *
 * ioredis is resolved from @checkout/redis, whose dependency it is, so this patches the very
 * module the child's clients are built from.
 */
const file = process.env['BENCH_PROBE_FILE'];
if (file !== undefined) {
  const fromRedisPackage = createRequire(
    new URL('../../packages/redis/package.json', import.meta.url),
  );
  const ioredis = fromRedisPackage('ioredis') as {
    Redis: { prototype: { sendCommand(command: { name: string }, ...rest: unknown[]): unknown } };
  };
  const redisCommands: Record<string, number> = {};
  const prototype = ioredis.Redis.prototype;
  const send = prototype.sendCommand;
  prototype.sendCommand = function countingSendCommand(command, ...rest) {
    redisCommands[command.name] = (redisCommands[command.name] ?? 0) + 1;
    return send.call(this, command, ...rest);
  };

  const memory: Record<string, number> = {};
  const sample = () => {
    for (const [field, bytes] of Object.entries(process.memoryUsage())) {
      memory[field] = Math.max(memory[field] ?? 0, bytes);
    }
  };
  setInterval(sample, 100).unref();
  process.once('exit', () => {
    sample();
    writeFileSync(file, JSON.stringify({ redisCommands, memory }));
  });
}
