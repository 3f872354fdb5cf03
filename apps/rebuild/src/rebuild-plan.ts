import {
  CHECKOUT_TOPICS,
  isCheckoutTopic,
  type CheckoutTopic,
  type Result,
} from '@checkout/domain';

/** The root command's flags as commander parses them (all optional, all unchecked). */
export interface RebuildFlags {
  fromOffset?: string;
  fromSnapshot?: boolean;
  fromChangelog?: boolean;
  session?: string;
  partition?: string;
  verify?: boolean;
  topics?: string;
  dryRun?: boolean;
  fetchBytes?: string;
  source?: string;
}

export type ReplayStart = { kind: 'earliest' } | { kind: 'offset'; offset: bigint };

/** What one `checkout-rebuild` run does, validated. */
export type RebuildPlan =
  | {
      mode: 'from-offset';
      start: ReplayStart;
      /**
       * `eventstore`: the archive first, then Kafka from the offsets it reached; `changelog`
       * (`--from-changelog`): the snapshot changelog first, then Kafka from its markers.
       */
      source: 'kafka' | 'eventstore' | 'changelog';
      topics: readonly CheckoutTopic[];
      dryRun: boolean;
      fetchBytes: number | undefined;
    }
  | {
      mode: 'from-snapshot';
      topics: readonly CheckoutTopic[];
      dryRun: boolean;
      fetchBytes: number | undefined;
    }
  | {
      mode: 'session';
      sessionId: string;
      /** An explicit partition (producers with another partitioner); null = murmur2 of the id. */
      partition: number | null;
      topics: readonly CheckoutTopic[];
      dryRun: boolean;
    }
  | { mode: 'verify'; inMemory: boolean; fetchBytes: number | undefined };

const MODES =
  '--from-offset <n|earliest>, --from-changelog, --from-snapshot, --session <id> or --verify';

/**
 * Validates the flag combination (pure). `--topics` narrows what is *read*: a mode that
 * replaces whole snapshots (a new generation, one session's key, a verification) needs all
 * five topics, because a snapshot holds every section; a mode that extends the stored
 * snapshots (`--from-snapshot`) or writes nothing (`--dry-run`) accepts a subset.
 */
export function planRebuild(flags: RebuildFlags): Result<RebuildPlan, string> {
  const chosen = [
    flags.fromOffset !== undefined && '--from-offset',
    flags.fromChangelog === true && '--from-changelog',
    flags.fromSnapshot === true && '--from-snapshot',
    flags.session !== undefined && '--session',
    flags.verify === true && '--verify',
  ].filter((mode): mode is string => mode !== false);
  if (chosen.length === 0) return fail(`Choose what to do: ${MODES} (see --help).`);
  if (chosen.length > 1)
    return fail(`${chosen.join(' and ')} cannot be combined; choose one of ${MODES}.`);

  const dryRun = flags.dryRun === true;
  const topics = parseTopics(flags.topics);
  if (!topics.ok) return topics;
  const fetchBytes = parseFetchBytes(flags.fetchBytes);
  if (!fetchBytes.ok) return fetchBytes;
  if (flags.partition !== undefined && flags.session === undefined) {
    return fail('--partition applies to --session only.');
  }
  const subset = topics.value.length < CHECKOUT_TOPICS.length;
  const source = flags.source ?? 'kafka';
  if (source !== 'kafka' && source !== 'eventstore') {
    return fail(`--source takes kafka or eventstore, got ${JSON.stringify(source)}.`);
  }
  if (source === 'eventstore' && flags.fromOffset !== 'earliest') {
    return fail(
      '--source eventstore replays the whole archive: use it with --from-offset earliest.',
    );
  }

  if (flags.fromChangelog === true) {
    if (source !== 'kafka') return fail('--from-changelog reads the changelog, not --source.');
    if (dryRun) return fail('--from-changelog writes a new generation; it has no --dry-run.');
    if (subset) return fail(wholeSnapshots('--from-changelog', 'a new generation'));
    return ok({
      mode: 'from-offset',
      start: { kind: 'earliest' },
      source: 'changelog',
      topics: topics.value,
      dryRun,
      fetchBytes: fetchBytes.value,
    });
  }
  if (flags.fromOffset !== undefined) {
    const start = parseStart(flags.fromOffset);
    if (!start.ok) return start;
    if (subset && !dryRun) return fail(wholeSnapshots('--from-offset', 'a new generation'));
    return ok({
      mode: 'from-offset',
      start: start.value,
      source,
      topics: topics.value,
      dryRun,
      fetchBytes: fetchBytes.value,
    });
  }
  if (flags.fromSnapshot === true) {
    return ok({
      mode: 'from-snapshot',
      topics: topics.value,
      dryRun,
      fetchBytes: fetchBytes.value,
    });
  }
  if (flags.session !== undefined) {
    const sessionId = flags.session;
    if (sessionId.length === 0 || sessionId.length > 200) {
      return fail('--session takes a checkout session id of 1–200 characters.');
    }
    let partition: number | null = null;
    if (flags.partition !== undefined) {
      if (!/^(?:0|[1-9][0-9]{0,5})$/.test(flags.partition)) {
        return fail(
          `--partition must be a partition number, got ${JSON.stringify(flags.partition)}.`,
        );
      }
      partition = Number(flags.partition);
    }
    if (subset && !dryRun) return fail(wholeSnapshots('--session', "the session's key"));
    return ok({ mode: 'session', sessionId, partition, topics: topics.value, dryRun });
  }
  if (subset) return fail(wholeSnapshots('--verify', 'a comparison of whole snapshots'));
  return ok({ mode: 'verify', inMemory: dryRun, fetchBytes: fetchBytes.value });
}

/** `earliest` or a non-negative decimal offset, the same for every partition. */
export function parseStart(text: string): Result<ReplayStart, string> {
  if (text === 'earliest') return ok({ kind: 'earliest' });
  if (!/^[0-9]{1,19}$/.test(text)) {
    return fail(
      `--from-offset takes "earliest" or an offset (a whole number ≥ 0), got ${JSON.stringify(text)}.`,
    );
  }
  const offset = BigInt(text);
  if (offset > 2n ** 63n - 1n)
    return fail(`--from-offset ${text} is beyond the largest Kafka offset.`);
  return ok({ kind: 'offset', offset });
}

/** A comma-separated subset of the five logical topic names; absent = all five. */
export function parseTopics(text: string | undefined): Result<CheckoutTopic[], string> {
  if (text === undefined) return ok([...CHECKOUT_TOPICS]);
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !isCheckoutTopic(name));
  if (names.length === 0 || unknown.length > 0) {
    return fail(
      `--topics takes a comma-separated list of ${CHECKOUT_TOPICS.join(', ')} (without the KAFKA_TOPIC_PREFIX)` +
        (unknown.length > 0 ? `; unknown: ${unknown.join(', ')}.` : '.'),
    );
  }
  // In the canonical order, once each.
  return ok(CHECKOUT_TOPICS.filter((topic) => names.includes(topic)));
}

/** `--fetch-bytes`: a Kafka fetch size per partition, 1 KiB–256 MiB. */
export function parseFetchBytes(text: string | undefined): Result<number | undefined, string> {
  if (text === undefined) return ok(undefined);
  const bytes = /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : NaN;
  if (!(bytes >= 1024 && bytes <= 256 * 1024 * 1024)) {
    return fail(
      `--fetch-bytes takes a size in bytes between 1024 and 268435456, got ${JSON.stringify(text)}.`,
    );
  }
  return ok(bytes);
}

function wholeSnapshots(flag: string, what: string): string {
  return (
    `${flag} with a subset of --topics would write ${what} without the other topics' sections. ` +
    'Use all five topics, or add --dry-run to inspect a subset.'
  );
}

function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
