import type { CommitResult } from '@checkout/engine';
import { defineCommit } from './commit-command.ts';
import { parseCommitReply, scriptArguments, type EncodedSnapshotWrite } from './commit-script.ts';
import type { KeyLayout } from './key-layout.ts';
import type { RedisConnection } from './redis-connection.ts';
import { toStoreError } from './redis-errors.ts';

/** Options for {@link writeSnapshotDocuments}. */
export interface DocumentWrites {
  layout: KeyLayout;
  /** The generation written (a restore's new one); null = the base keys. */
  generation: string | null;
  /** SNAPSHOT_TTL_SECONDS, as the store writes them. */
  ttlSeconds: number;
  documents: ReadonlyArray<EncodedSnapshotWrite & { document: Buffer }>;
  /** Most bytes of documents per script. @default 4194304 (4 MiB) */
  partBytes?: number;
}

/**
 * Snapshot documents already encoded (a restore's, as the changelog holds them) into a
 * generation, with the store's own commit script (commit-script.ts): every document guarded by
 * its expected version and stamped with a last-write mark, exactly as the projector writes one,
 * but without an order to encode and without checkpoints.
 *
 * Why parts, all sent at once: one script per ~4 MiB of documents and shard keeps each script
 * short (Redis runs nothing else meanwhile), and sending them without awaiting each reply lets
 * ioredis pipeline them on the connection, so a restore pays one round trip per call, not per
 * part. Each part is all or nothing; a conflict in one leaves the others written (the caller
 * refuses the generation as a whole then). Every session is of one shard (key-layout.ts), so in
 * a cluster each part stays in one slot.
 */
export async function writeSnapshotDocuments(
  redis: RedisConnection,
  writes: DocumentWrites,
): Promise<CommitResult> {
  const partBytes = writes.partBytes ?? 4 * 1024 * 1024;
  const commit = defineCommit(redis);
  const byShard = new Map<number, Array<EncodedSnapshotWrite & { document: Buffer }>>();
  for (const write of writes.documents) {
    const shard = writes.layout.shardOfSession(write.sessionId);
    const list = byShard.get(shard);
    if (list === undefined) byShard.set(shard, [write]);
    else list.push(write);
  }
  const parts: Array<{ shard: number; part: Array<EncodedSnapshotWrite & { document: Buffer }> }> =
    [];
  for (const [shard, documents] of byShard) {
    let part: Array<EncodedSnapshotWrite & { document: Buffer }> = [];
    let bytes = 0;
    for (const write of documents) {
      if (part.length > 0 && bytes + write.document.length > partBytes) {
        parts.push({ shard, part });
        part = [];
        bytes = 0;
      }
      part.push(write);
      bytes += write.document.length;
    }
    if (part.length > 0) parts.push({ shard, part });
  }
  const replies = await Promise.allSettled(
    parts.map(({ shard, part }) => {
      const keys = writes.layout.keys(shard, writes.generation);
      const script = scriptArguments(
        { snapshots: part, checkpoints: [] },
        keys,
        '-',
        writes.ttlSeconds,
      );
      return commit(script.keys.length, ...script.keys, ...script.args);
    }),
  );
  let result: CommitResult = { ok: true };
  for (const [index, reply] of replies.entries()) {
    const part = parts[index]?.part ?? [];
    if (reply.status === 'rejected') {
      throw toStoreError(reply.reason, `write ${part.length} restored snapshots`, {
        namespace: writes.layout.namespace,
      });
    }
    const parsed = parseCommitReply(reply.value, { snapshots: part, checkpoints: [] });
    if (!parsed.ok && result.ok) result = parsed;
  }
  return result;
}
