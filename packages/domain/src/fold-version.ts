/**
 * The version of the fold's meaning: what `parseCheckoutEvent` and `evolve` make of a stream
 * of events. Bump it with any change to that meaning (a new effect, a different rejection, a
 * fixed bug), never for a change that leaves every snapshot as it was; fold-version.test.ts
 * fails when the fold's output on a fixed corpus changes while this stays.
 *
 * Recorded where operators need it after "a bug in the fold shipped": every snapshot keeps the
 * oldest version that applied an event to it (`meta.fold_version`), every generation the
 * version that built it (`fold_version` in its info hash), and the projector warns at start
 * when the active generation was built by another version.
 */
export const FOLD_VERSION = 1;

/**
 * A snapshot's `meta.fold_version` after one more event applied by this fold: the oldest
 * version that shaped it, so that a document touched by a faulty fold stays findable until a
 * rebuild writes it afresh. Absent stays absent: written before fold versions were recorded.
 */
export function foldVersionAfterApply(recorded: number | undefined): number | undefined {
  return recorded === undefined ? undefined : Math.min(recorded, FOLD_VERSION);
}
