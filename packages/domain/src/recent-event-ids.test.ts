import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRecentEventId, rememberEventId } from './recent-event-ids.ts';
import { RECENT_EVENT_IDS_LIMIT } from './limits.ts';
import { deepFreeze } from './test/deep-freeze.ts';

describe('recent event id window', () => {
  it('keeps the last 100 ids, newest last, without touching the old window', () => {
    let window: string[] = deepFreeze([]);
    for (let i = 0; i < RECENT_EVENT_IDS_LIMIT + 3; i += 1) {
      const before = window;
      window = deepFreeze(rememberEventId(window, `id-${i}`));
      expect(before).toHaveLength(Math.min(i, RECENT_EVENT_IDS_LIMIT));
    }
    expect(window).toHaveLength(RECENT_EVENT_IDS_LIMIT);
    expect(window[0]).toBe('id-3');
    expect(window.at(-1)).toBe(`id-${RECENT_EVENT_IDS_LIMIT + 2}`);
  });

  it('answers like a scan, for the latest window and every older one, duplicates included', () => {
    const id = fc.integer({ min: 0, max: 150 }).map((n) => `e-${n}`);
    fc.assert(
      fc.property(
        fc.array(id, { maxLength: 300 }),
        fc.array(id, { maxLength: 20 }),
        (appended, probes) => {
          const windows: string[][] = [[]];
          for (const next of appended) {
            const latest = windows.at(-1) ?? [];
            expect(isRecentEventId(latest, next)).toBe(latest.includes(next));
            windows.push(rememberEventId(latest, next));
          }
          for (const window of windows) {
            for (const probe of probes)
              expect(isRecentEventId(window, probe)).toBe(window.includes(probe));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
