import { describe, expect, it } from 'vitest';
import { renderStatusPage } from './status-page.ts';
import type { StatusReport } from './status-report.ts';

const evil = `<script>alert(1)</script>`;

/** The page without the white space between tags that the source's formatting adds. */
const rendered = (of: StatusReport) =>
  renderStatusPage(of).replace(/>\s+/g, '>').replace(/\s+</g, '<').replace(/\s+/g, ' ');

const report = (changes: Partial<StatusReport> = {}): StatusReport => ({
  generatedAt: '2030-01-01T00:00:00.000Z',
  source: 'kafka',
  store: 'redis',
  group: 'checkout-projector',
  ready: true,
  notReady: [],
  stopped: null,
  stale: null,
  partitions: [
    {
      topic: 'cart-events',
      partition: 0,
      checkpoint: '120',
      highWatermark: '150',
      lag: 30,
      lagSeconds: 42.25,
      halted: null,
    },
    {
      topic: 'cart-events',
      partition: 1,
      checkpoint: '7',
      highWatermark: '9',
      lag: 2,
      lagSeconds: null,
      halted: 'history_truncated',
    },
  ],
  generation: {
    ok: true,
    active: 'base',
    fold: {
      generation: 'base',
      builtBy: null,
      mismatch: false,
      message: 'records no fold version',
    },
    rebuilds: [],
  },
  foldVersion: 1,
  deadLetters: [],
  lastProblem: null,
  ...changes,
});

describe('the status page', () => {
  it('shows each partition: checkpoint, high watermark, lag in records and seconds, halt', () => {
    const page = rendered(report());
    expect(page).toContain(
      '<td>cart-events</td><td class="n">0</td><td class="n">120</td><td class="n">150</td><td class="n">30</td><td class="n">42.3</td><td>running</td>',
    );
    expect(page).toContain('<td class="n">unknown</td><td>halted: history_truncated</td>');
    expect(page).toContain('Readiness:<span class="ok">ready</span>');
    expect(page).toContain('No rebuild in progress.');
    expect(page).not.toMatch(/<script|src=/);
  });

  it('says why it is not ready, and shows rebuild progress', () => {
    const page = rendered(
      report({
        ready: false,
        notReady: [{ component: 'source', reason: 'cannot store the batch: Command timed out' }],
        stopped: 'no batch stored for 301000 ms',
        generation: {
          ok: true,
          active: '3',
          fold: {
            generation: '3',
            builtBy: '2',
            mismatch: true,
            message: 'the active generation 3 was built by fold version 2',
          },
          rebuilds: [
            {
              id: '4',
              from: 'earliest',
              startedAt: '2030-01-01T00:00:00.000Z',
              heartbeatAt: '2030-01-01T00:00:02.000Z',
              stored: 40,
              target: 159,
            },
          ],
        },
      }),
    );
    expect(page).toContain('NOT READY');
    expect(page).toContain('<li><b>source</b>: cannot store the batch: Command timed out</li>');
    expect(page).toContain('<li><b>liveness</b>: no batch stored for 301000 ms</li>');
    expect(page).toContain('<b id="active-generation">3</b>');
    expect(page).toContain('folds with fold version<b id="fold-version">1</b>');
    expect(page).toContain(
      '<p id="fold-check" class="bad">the active generation 3 was built by fold version 2</p>',
    );
    expect(page).toContain('<progress max="159" value="40"></progress>40 of 159 records (25%)');
  });

  it('escapes every value that comes from data', () => {
    const page = rendered(
      report({
        notReady: [{ component: 'store', reason: evil }],
        partitions: [],
        deadLetters: [{ reason: evil, count: 2 }],
        lastProblem: { level: 'warn', message: `dead-lettered: event_name: '${evil}'`, at: 'x' },
        generation: { ok: false, error: evil },
      }),
    );
    expect(page).not.toContain('<script>');
    expect(page.match(/&lt;script&gt;alert\(1\)&lt;\/script&gt;/g)).toHaveLength(5);
    expect(page).toContain('data-reason="&lt;script&gt;alert(1)&lt;/script&gt;"');
  });
});
