import { COMMIT_SCRIPT } from './commit-script.ts';
import type { RedisConnection } from './redis-connection.ts';

export type CommitCommand = (
  numberOfKeys: number,
  ...keysAndArgs: Array<string | Buffer>
) => Promise<unknown>;

/**
 * Snapshot documents go to ioredis as UTF-8 Buffers. Given strings, ioredis concatenates a
 * command's arguments into one string that the socket then encodes as a whole: for a batch of
 * snapshots (a megabyte or more, two-byte text as soon as one holds a non-Latin-1 character)
 * that was about 9 % of the projector's CPU time, about five times what encoding each document
 * on its own costs (BENCHMARKS.md). Buffers (a restore's documents as the changelog holds them)
 * go as they are.
 */
export function wireArgument(argument: string | Buffer): string | Buffer {
  if (typeof argument !== 'string') return argument;
  return argument.length > 256 ? Buffer.from(argument, 'utf8') : argument;
}

/** Registers the commit script on the client once (EVALSHA with EVAL fallback). */
export function defineCommit(redis: RedisConnection): CommitCommand {
  const client = redis as RedisConnection & { checkoutCommitV3?: CommitCommand };
  if (client.checkoutCommitV3 === undefined)
    redis.defineCommand('checkoutCommitV3', { lua: COMMIT_SCRIPT });
  const command = client.checkoutCommitV3;
  if (command === undefined) throw new Error('bug: defineCommand did not add checkoutCommitV3');
  return command.bind(redis);
}
