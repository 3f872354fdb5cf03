import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHECKOUT_EVENT_NAMES } from './event-catalog.ts';
import { FOLD_VERSION, foldVersionAfterApply } from './fold-version.ts';
import { foldCorpus, foldOutcome } from './test/fold-corpus.ts';

/**
 * Append-only: per fold version, the sha256 of what the fold makes of the fixed corpus
 * (test/fold-corpus.ts). A change to the fold's meaning changes the digest: then bump
 * FOLD_VERSION and append the new pair, never edit an earlier one.
 */
const FOLD_HISTORY: readonly { version: number; digest: string }[] = [
  { version: 1, digest: 'b8bfbd02a859b693c1e1e909cdd48c1b492747f6c6ea297d5d5e4130e40b7524' },
];

function corpusDigest(): string {
  const { outcomes, snapshots } = foldOutcome(foldCorpus());
  // Which fold wrote a document is not what the fold makes of events.
  const content = snapshots.map(({ meta: { fold_version: _version, ...meta }, ...rest }) => ({
    ...rest,
    meta,
  }));
  return createHash('sha256')
    .update(JSON.stringify({ outcomes, snapshots: content }))
    .digest('hex');
}

describe('the fold version', () => {
  it('names the fold: its output on the fixed corpus is the one pinned for FOLD_VERSION', () => {
    const digest = corpusDigest();
    const pinned = FOLD_HISTORY.at(-1)!;
    const known = FOLD_HISTORY.find((entry) => entry.digest === digest);
    const advice =
      known === undefined
        ? `the fold's output on the corpus changed (digest ${digest}): bump FOLD_VERSION to ` +
          `${FOLD_VERSION + 1} in fold-version.ts and append { version: ${FOLD_VERSION + 1}, ` +
          `digest: '${digest}' } to FOLD_HISTORY`
        : `the fold's output is that of version ${known.version} again`;
    expect(pinned.version, 'the last FOLD_HISTORY entry is FOLD_VERSION').toBe(FOLD_VERSION);
    expect(digest, advice).toBe(pinned.digest);
  });

  it('keeps one distinct digest per version, numbered from 1 without gaps', () => {
    expect(FOLD_HISTORY.map(({ version }) => version)).toEqual(
      Array.from({ length: FOLD_VERSION }, (_, i) => i + 1),
    );
    expect(new Set(FOLD_HISTORY.map(({ digest }) => digest)).size).toBe(FOLD_HISTORY.length);
  });

  it('is checked on a corpus that exercises every event, rejection and skip', () => {
    const { outcomes, snapshots } = foldOutcome(foldCorpus());
    const kinds = new Set(outcomes.map((outcome) => outcome.split(':')[0]));
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining([
        'applied',
        'ignored',
        'rejected amount_overflow',
        'rejected currency_mismatch',
        'rejected invalid_json',
        'rejected invalid_payload',
        'skipped duplicate_event_id',
        'skipped offset_already_applied',
      ]),
    );
    const applied = new Set<string>();
    const records = foldCorpus();
    outcomes.forEach((outcome, index) => {
      if (outcome === 'applied')
        applied.add((JSON.parse(records[index]!.value) as { event_name: string }).event_name);
    });
    expect([...applied].sort()).toEqual([...CHECKOUT_EVENT_NAMES].sort());
    expect(snapshots.length).toBe(12);
    expect(snapshots.every(({ meta }) => meta.fold_version === FOLD_VERSION)).toBe(true);
  });

  it('stays the oldest version that applied an event, and absent when never recorded', () => {
    expect(foldVersionAfterApply(FOLD_VERSION)).toBe(FOLD_VERSION);
    expect(foldVersionAfterApply(FOLD_VERSION + 1)).toBe(FOLD_VERSION);
    expect(foldVersionAfterApply(undefined)).toBeUndefined();
  });
});
