import { encodeSnapshot } from '@checkout/domain';
import { topicPartitionKey, type BatchWrite, type CommitResult } from '@checkout/engine';
import type { Keyspace } from './keyspace.ts';
import { LUA_WRITE_HELPERS, markLifetimeSeconds } from './last-write-mark.ts';

/**
 * The batch commit: every guard first, then every write, in one script (atomic: Redis runs
 * nothing else in between, and a script that fails before its first write changed nothing).
 *
 *   KEYS[1..n]      snapshot keys, in the order of the snapshot arguments
 *   KEYS[n+1..2n]   their last-write marks (last-write-mark.ts), same order
 *   KEYS[2n+1]      the checkpoint hash (present when m > 0)
 *   KEYS[last]      the active-generation pointer (present when ARGV[4] is not "-")
 *   ARGV[1]      n, number of snapshots
 *   ARGV[2]      m, number of checkpoints
 *   ARGV[3]      snapshot TTL in seconds, 0 = no expiry
 *   ARGV[4]      "-" = no pointer guard, else the generation written to ("" = base), which
 *                must still be the active one
 *   ARGV[5]      mark lifetime in seconds, 0 = no expiry
 *   then n ×     expected version (decimal), expected last-write mark ("" = not guarded),
 *                snapshot JSON
 *   then m ×     field "<topic>:<partition>", expected checkpoint ("" = absent), next offset
 *
 * Every key is of one shard (key-layout.ts): in a cluster, one partition number's hash tag, so
 * the script runs in one slot.
 *
 * Reply: {"ok", mark} (mark: the last-write mark every snapshot written got, "" when none was
 * written) or {"conflict", kind, index (1-based, in its group), actual}, where kind is
 * "checkpoint", "checkpoint-behind", "snapshot" or "rewritten", and actual is what is stored
 * ("" = absent, "unreadable" = a document whose meta.event_count cannot be read; the mark
 * stored, for "rewritten"); or {"conflict", "generation", expected, actual} when the pointer
 * moved.
 *
 * Guards: the pointer, when guarded (a store that follows the active generation must not
 * write into one a rebuild just switched away from); a checkpoint must still be what the
 * batch read (a stale consumer after a rebalance or a flushed/restored Redis fails here) and
 * never move back; a snapshot's stored version (meta.event_count, 0 when absent) must be the
 * one the batch folded onto, and where the engine folded onto the copy it kept of its own last
 * write (kept-sessions.ts), that write must still be the last one: its last-write mark is
 * unchanged, which tells a `checkout-rebuild --session` repair at the same version apart.
 * Cheap guards first: one GET and a few HGETs, and the usual failures, before any document
 * is read.
 *
 * The stored version is read with a pattern match, not cjson.decode: it costs a scan of the
 * string instead of building a Lua table per document (see the README for measurements).
 * `"event_count":` can only match an object key (a quote inside a JSON string is escaped), so
 * when it occurs exactly once in a snapshot it is meta.event_count; anything else (zero or
 * several occurrences, an odd number format) falls back to cjson.decode.
 *
 * Offsets are compared as canonical decimal strings (length, then text): Lua numbers are
 * doubles and Kafka offsets are int64.
 */
export const COMMIT_SCRIPT = `${LUA_WRITE_HELPERS}
local n = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local generation = ARGV[4]
local markTtl = tonumber(ARGV[5])
local snapshotArgs = 5
local checkpointArgs = 5 + 3 * n
local hash = KEYS[2 * n + 1]

local function stored_version(doc)
  if not doc then return '0' end
  local key = string.find(doc, '"event_count"', 1, true)
  if key then
    local _, last, count = string.find(doc, '^"event_count":(%d+)[,}]', key)
    if count and not string.find(doc, '"event_count"', last, true) then return count end
  end
  local ok, parsed = pcall(cjson.decode, doc)
  if ok and type(parsed) == 'table' and type(parsed.meta) == 'table' then
    local value = parsed.meta.event_count
    if type(value) == 'number' and value >= 0 and value == math.floor(value) then
      return string.format('%.0f', value)
    end
  end
  return 'unreadable'
end

local function offset_less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end

if generation ~= '-' then
  local active = redis.call('GET', KEYS[#KEYS]) or ''
  if active ~= generation then return {'conflict', 'generation', generation, active} end
end

for j = 1, m do
  local base = checkpointArgs + 3 * (j - 1)
  local stored = redis.call('HGET', hash, ARGV[base + 1]) or ''
  if stored ~= ARGV[base + 2] then return {'conflict', 'checkpoint', tostring(j), stored} end
  if stored ~= '' and offset_less(ARGV[base + 3], stored) then
    return {'conflict', 'checkpoint-behind', tostring(j), stored}
  end
end

for i = 1, n do
  local base = snapshotArgs + 3 * (i - 1)
  local actual = stored_version(redis.call('GET', KEYS[i]))
  if actual ~= ARGV[base + 1] then return {'conflict', 'snapshot', tostring(i), actual} end
  if ARGV[base + 2] ~= '' then
    local mark = redis.call('GET', KEYS[n + i]) or ''
    if mark ~= ARGV[base + 2] then return {'conflict', 'rewritten', tostring(i), mark} end
  end
end

local now = n > 0 and now_ms() or ''
for i = 1, n do
  set_with_ttl(KEYS[i], ARGV[snapshotArgs + 3 * i], ttl)
  set_with_ttl(KEYS[n + i], now, markTtl)
end
for j = 1, m do
  local base = checkpointArgs + 3 * (j - 1)
  redis.call('HSET', hash, ARGV[base + 1], ARGV[base + 3])
end
return {'ok', now}
`;

export interface CommitArguments {
  keys: string[];
  args: string[];
}

const OFFSET = /^(?:0|[1-9][0-9]*)$/;

/**
 * The script's KEYS and ARGV for one batch (pure: the store sends them). With
 * `guardActiveGeneration`, the commit is refused unless `keys.generation` is still the active
 * generation.
 */
export function commitArguments(
  write: BatchWrite,
  keys: Keyspace,
  group: string,
  ttlSeconds: number,
  guardActiveGeneration = false,
): CommitArguments {
  const snapshots = write.snapshots.map(({ sessionId, order, expectedVersion, expectedMark }) => ({
    sessionId,
    document: encodeSnapshot(order),
    expectedVersion,
    ...(expectedMark === undefined ? {} : { expectedMark }),
  }));
  return scriptArguments(
    { snapshots, checkpoints: write.checkpoints },
    keys,
    group,
    ttlSeconds,
    guardActiveGeneration,
  );
}

/**
 * A snapshot document already encoded, as the changelog holds it (a restore writes those bytes
 * as they are): the commit script's snapshot argument without an order to encode.
 */
export interface EncodedSnapshotWrite {
  sessionId: string;
  /** The document as `encodeSnapshot` wrote it (UTF-8 when a Buffer). */
  document: string | Buffer;
  /** The version stored now (meta.event_count); 0 when absent. */
  expectedVersion: number;
  /** The last-write mark it must still have (`SnapshotWrite.expectedMark`); absent: not guarded. */
  expectedMark?: string;
}

/** {@link commitArguments} for documents already encoded. */
export function scriptArguments<Document extends string | Buffer>(
  write: {
    snapshots: ReadonlyArray<EncodedSnapshotWrite & { document: Document }>;
    checkpoints: BatchWrite['checkpoints'];
  },
  keys: Keyspace,
  group: string,
  ttlSeconds: number,
  guardActiveGeneration = false,
): { keys: string[]; args: Array<string | Document> } {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 0) {
    throw new RangeError(`ttlSeconds must be a whole number ≥ 0, got ${ttlSeconds}`);
  }
  const seen = new Set<string>();
  const snapshotKeys: string[] = [];
  const markKeys: string[] = [];
  const args: Array<string | Document> = [
    String(write.snapshots.length),
    String(write.checkpoints.length),
    String(ttlSeconds),
    guardActiveGeneration ? (keys.generation ?? '') : '-',
    String(markLifetimeSeconds(ttlSeconds)),
  ];
  for (const { sessionId, document, expectedVersion, expectedMark } of write.snapshots) {
    if (seen.has(sessionId))
      throw new RangeError(`bug: session ${sessionId} appears twice in one commit`);
    seen.add(sessionId);
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
      throw new RangeError(`bug: expectedVersion of ${sessionId} is ${expectedVersion}`);
    }
    snapshotKeys.push(keys.snapshot(sessionId));
    markKeys.push(keys.lastWrite(sessionId));
    args.push(String(expectedVersion), expectedMark ?? '', document);
  }
  for (const { topic, partition, nextOffset, expected } of write.checkpoints) {
    const field = topicPartitionKey(topic, partition);
    if (!OFFSET.test(nextOffset) || (expected !== null && !OFFSET.test(expected))) {
      throw new RangeError(
        `bug: checkpoint ${field} offsets must be canonical decimals (${expected} → ${nextOffset})`,
      );
    }
    args.push(field, expected ?? '', nextOffset);
  }
  const hashKeys = write.checkpoints.length > 0 ? [keys.checkpoints(group)] : [];
  const pointerKeys = guardActiveGeneration ? [keys.activeGeneration] : [];
  return { keys: [...snapshotKeys, ...markKeys, ...hashKeys, ...pointerKeys], args };
}

const EVENT_COUNT = Buffer.from('"event_count":');

/**
 * The version the commit script reads from a stored document (`stored_version` above, the same
 * rule): `"event_count":<digits>` occurring exactly once, else meta.event_count of the parsed
 * document; undefined when neither reads. A restore writing a session twice guards the second
 * write with it, so if the two ever disagreed the write would fail its guard, never pass.
 */
export function storedVersionOf(document: Buffer): number | undefined {
  const at = document.indexOf(EVENT_COUNT);
  if (at >= 0 && document.indexOf(EVENT_COUNT, at + 1) < 0) {
    let end = at + EVENT_COUNT.length;
    let value = 0;
    let digit = document[end];
    while (digit !== undefined && digit >= 0x30 && digit <= 0x39) {
      value = value * 10 + digit - 0x30;
      end += 1;
      digit = document[end];
    }
    const next = digit;
    if (
      end > at + EVENT_COUNT.length &&
      (next === 0x2c || next === 0x7d) &&
      Number.isSafeInteger(value)
    )
      return value;
  }
  try {
    const count: unknown = (
      JSON.parse(document.toString('utf8')) as { meta?: { event_count?: unknown } }
    )?.meta?.event_count;
    return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0
      ? count
      : undefined;
  } catch {
    return undefined;
  }
}

/** The script's reply as the engine's {@link CommitResult}. */
export function parseCommitReply(
  reply: unknown,
  write: {
    snapshots: ReadonlyArray<{ sessionId: string; expectedVersion: number; expectedMark?: string }>;
    checkpoints: BatchWrite['checkpoints'];
  },
): CommitResult {
  if (!Array.isArray(reply) || reply.some((part) => typeof part !== 'string')) {
    throw new TypeError(`bug: unexpected commit script reply ${JSON.stringify(reply)}`);
  }
  const [status, kind, indexText, actual] = reply as string[];
  if (status === 'ok')
    return kind === undefined || kind === '' ? { ok: true } : { ok: true, mark: kind };
  const index = Number(indexText) - 1;
  const stored = actual === '' || actual === undefined ? 'absent' : actual;
  if (kind === 'generation' && indexText !== undefined) {
    // The engine treats it like a moved checkpoint: it re-reads where to resume.
    const generation = (id: string) => (id === '' ? 'base' : `generation ${id}`);
    return conflict(
      'checkpoint',
      'active-generation',
      generation(indexText),
      generation(actual ?? ''),
    );
  }
  if (kind === 'snapshot') {
    const snapshot = write.snapshots[index];
    if (snapshot !== undefined) {
      return conflict('snapshot', snapshot.sessionId, String(snapshot.expectedVersion), stored);
    }
  } else if (kind === 'rewritten') {
    // Another writer stored this session after this engine's write it folded onto.
    const snapshot = write.snapshots[index];
    if (snapshot?.expectedMark !== undefined) {
      return conflict(
        'snapshot',
        snapshot.sessionId,
        `the write marked ${snapshot.expectedMark}`,
        `a write marked ${stored}`,
      );
    }
  } else if (kind === 'checkpoint' || kind === 'checkpoint-behind') {
    const checkpoint = write.checkpoints[index];
    if (checkpoint !== undefined) {
      const subject = topicPartitionKey(checkpoint.topic, checkpoint.partition);
      return kind === 'checkpoint'
        ? conflict('checkpoint', subject, checkpoint.expected ?? 'absent', stored)
        : conflict(
            'checkpoint',
            subject,
            `a checkpoint ≥ ${stored}`,
            `${checkpoint.nextOffset} (would move it back)`,
          );
    }
  }
  throw new TypeError(`bug: unexpected commit script reply ${JSON.stringify(reply)}`);
}

function conflict(
  kind: 'snapshot' | 'checkpoint',
  subject: string,
  expected: string,
  actual: string,
): CommitResult {
  return { ok: false, conflict: { kind, subject, expected, actual } };
}
