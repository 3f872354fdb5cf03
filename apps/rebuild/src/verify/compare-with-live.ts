import { setTimeout as sleep } from 'node:timers/promises';
import { decodeSnapshot, type CheckoutOrder } from '@checkout/domain';
import {
  judgeSession,
  type DriftReason,
  type FieldDifference,
  type SessionVerdict,
} from '../drift.ts';
import type { ReplayTarget } from '../replay/replay-target.ts';

export interface DriftedSession {
  session_id: string;
  reason: DriftReason;
  differences: FieldDifference[];
}

export interface VerifyReport {
  compared: number;
  equal: number;
  expired: number;
  drift: DriftedSession[];
  drift_count: number;
  /** Every drifted session counted by reason, listed or not. */
  drift_by_reason: Partial<Record<DriftReason, number>>;
  /** Still being written by one side after every retry: not compared. */
  unsettled: string[];
  unsettled_count: number;
}

export interface CompareOptions {
  live: ReplayTarget;
  rebuilt: ReplayTarget;
  ttlSeconds: number;
  /** Rounds of re-comparing unsettled sessions. @default 10 */
  rounds?: number;
  /** @default 500 */
  roundDelayMs?: number;
  /** Sessions listed in the report (counts are always complete). @default 1000 */
  maxListed?: number;
}

/** Unsettled sessions kept for re-comparison; beyond, only counted. */
const MAX_RETRIED = 10_000;

/**
 * Compares every session of the rebuilt target with the live one, while both keep being
 * written (the verification's replay keeps running): checkpoints are read before documents,
 * and judgeSession (drift.ts) compares only what both sides have settled. Two passes: the
 * rebuilt sessions (against live), then the live sessions the rebuild lacks. Unsettled
 * sessions are compared again a few times; the rest are reported, not counted as drift.
 */
export async function compareWithLive(options: CompareOptions): Promise<VerifyReport> {
  const maxListed = options.maxListed ?? 1000;
  const report: VerifyReport = {
    compared: 0,
    equal: 0,
    expired: 0,
    drift: [],
    drift_count: 0,
    drift_by_reason: {},
    unsettled: [],
    unsettled_count: 0,
  };
  let pending: string[] = [];

  const judgePage = async (ids: readonly string[], onlyMissingRebuilt: boolean, final: boolean) => {
    const [liveCheckpoints, rebuiltCheckpoints] = await Promise.all([
      options.live.readCheckpoints(),
      options.rebuilt.readCheckpoints(),
    ]);
    const [liveDocs, rebuiltDocs, liveLastWrites, storeNowMs] = await Promise.all([
      options.live.readDocuments(ids),
      options.rebuilt.readDocuments(ids),
      options.live.readLastWrites(ids),
      options.live.clockMs(),
    ]);
    ids.forEach((sessionId, index) => {
      const rebuiltText = rebuiltDocs[index] ?? null;
      if (onlyMissingRebuilt && rebuiltText !== null) return;
      const liveText = liveDocs[index] ?? null;
      const live = liveText === null ? null : decodeSnapshot(liveText);
      let verdict: SessionVerdict;
      if (live !== null && !live.ok) {
        verdict = {
          kind: 'drift',
          reason: 'unreadable_in_live',
          differences: [{ path: '(document)', live: live.error.message, rebuilt: null }],
        };
      } else {
        verdict = judgeSession({
          live: live?.value ?? null,
          rebuilt: rebuiltText === null ? null : decoded(rebuiltText),
          liveCheckpoints,
          rebuiltCheckpoints,
          ttlSeconds: options.ttlSeconds,
          liveLastWriteMs: liveLastWrites[index] ?? null,
          storeNowMs,
        });
      }
      record(sessionId, verdict, final);
    });
  };

  function record(sessionId: string, verdict: SessionVerdict, final: boolean): void {
    switch (verdict.kind) {
      case 'equal':
        report.compared += 1;
        report.equal += 1;
        return;
      case 'expired':
        report.expired += 1;
        return;
      case 'drift':
        report.compared += 1;
        report.drift_count += 1;
        report.drift_by_reason[verdict.reason] = (report.drift_by_reason[verdict.reason] ?? 0) + 1;
        if (report.drift.length < maxListed) {
          report.drift.push({
            session_id: sessionId,
            reason: verdict.reason,
            differences: verdict.differences,
          });
        }
        return;
      case 'unsettled':
        if (!final && pending.length < MAX_RETRIED) pending.push(sessionId);
        else {
          report.unsettled_count += 1;
          if (report.unsettled.length < maxListed) report.unsettled.push(sessionId);
        }
        return;
      default:
        verdict satisfies never;
    }
  }

  for await (const page of options.rebuilt.sessionPages()) await judgePage(page, false, false);
  for await (const page of options.live.sessionPages()) await judgePage(page, true, false);
  const rounds = options.rounds ?? 10;
  for (let round = 1; round <= rounds && pending.length > 0; round += 1) {
    const again = pending;
    pending = [];
    await sleep(options.roundDelayMs ?? 500);
    for (let start = 0; start < again.length; start += 500)
      await judgePage(again.slice(start, start + 500), false, round === rounds);
  }
  for (const sessionId of pending) record(sessionId, { kind: 'unsettled', field: '' }, true);
  report.drift.sort((a, b) => a.session_id.localeCompare(b.session_id));
  return report;
}

function decoded(text: string): CheckoutOrder {
  const result = decodeSnapshot(text);
  if (!result.ok)
    throw new Error(
      `bug: the rebuild wrote a snapshot that does not decode: ${result.error.message}`,
    );
  return result.value;
}
