import { html, type SafeHtml } from './html.ts';
import type { PartitionStatus, RebuildStatus, StatusReport } from './status-report.ts';

/**
 * `GET /status`: one server-rendered page, no script and no asset from elsewhere (the
 * response's Content-Security-Policy forbids both), refreshing itself every 10 seconds. Every
 * value from data goes through the escaping `html` template.
 */
export function renderStatusPage(report: StatusReport): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content="10" />
        <title>checkout-projector status</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <h1>checkout-projector</h1>
        <p class="meta">
          Generated ${report.generatedAt} · source ${report.source} · store ${report.store} · group
          ${report.group}
        </p>
        ${readinessSection(report)} ${generationSection(report.generation, report.foldVersion)}
        ${partitionsSection(report.partitions)} ${deadLettersSection(report.deadLetters)}
        ${lastProblemSection(report.lastProblem)}
      </body>
    </html> `.text;
}

function readinessSection(report: StatusReport): SafeHtml {
  const notes = [
    ...report.notReady.map(
      ({ component, reason }) => html`<li><b>${component}</b>: ${reason}</li>`,
    ),
    ...(report.stopped === null ? [] : [html`<li><b>liveness</b>: ${report.stopped}</li>`]),
    ...(report.stale === null ? [] : [html`<li><b>stale answers</b>: ${report.stale}</li>`]),
  ];
  return html`<section id="readiness">
    <h2>
      Readiness:
      <span class="${report.ready ? 'ok' : 'bad'}">${report.ready ? 'ready' : 'NOT READY'}</span>
    </h2>
    ${
      notes.length === 0
        ? ''
        : html`<ul>
            ${notes}
          </ul>`
    }
  </section>`;
}

function generationSection(generation: StatusReport['generation'], foldVersion: number): SafeHtml {
  const folds = html`<p>
    This projector folds with fold version <b id="fold-version">${foldVersion}</b>.
  </p>`;
  if (!generation.ok) {
    return html`<section id="generation">
      <h2>Generation</h2>
      ${folds}
      <p class="bad">cannot read the generations: ${generation.error}</p>
    </section>`;
  }
  const rebuilds =
    generation.rebuilds.length === 0
      ? html`<p id="rebuilds">No rebuild in progress.</p>`
      : html`<table id="rebuilds">
          <thead>
            <tr>
              <th>rebuild</th>
              <th>from</th>
              <th>started</th>
              <th>heartbeat</th>
              <th>progress (this member's partitions)</th>
            </tr>
          </thead>
          <tbody>
            ${generation.rebuilds.map(rebuildRow)}
          </tbody>
        </table>`;
  return html`<section id="generation">
    <h2>Generation</h2>
    <p>Readers read generation <b id="active-generation">${generation.active}</b>.</p>
    ${folds}
    <p id="fold-check" class="${generation.fold.mismatch ? 'bad' : ''}">
      ${generation.fold.message}
    </p>
    ${rebuilds}
  </section>`;
}

function rebuildRow(rebuild: RebuildStatus): SafeHtml {
  const percent = rebuild.target === 0 ? 100 : Math.floor((rebuild.stored / rebuild.target) * 100);
  return html`<tr data-generation="${rebuild.id}">
    <td>${rebuild.id}</td>
    <td>${rebuild.from}</td>
    <td>${rebuild.startedAt}</td>
    <td>${rebuild.heartbeatAt}</td>
    <td>
      <progress max="${rebuild.target}" value="${rebuild.stored}"></progress> ${rebuild.stored} of
      ${rebuild.target} records (${percent}%)
    </td>
  </tr>`;
}

function partitionsSection(partitions: readonly PartitionStatus[]): SafeHtml {
  if (partitions.length === 0) {
    return html`<section id="partitions">
      <h2>Partitions</h2>
      <p>No partition assigned to this member (or the embedded log, consumed as it is fed).</p>
    </section>`;
  }
  return html`<section id="partitions">
    <h2>Partitions</h2>
    <table>
      <thead>
        <tr>
          <th>topic</th>
          <th>partition</th>
          <th>checkpoint</th>
          <th>high watermark</th>
          <th>lag (records)</th>
          <th>lag (seconds)</th>
          <th>state</th>
        </tr>
      </thead>
      <tbody>
        ${partitions.map(partitionRow)}
      </tbody>
    </table>
  </section>`;
}

function partitionRow(p: PartitionStatus): SafeHtml {
  const seconds = p.lagSeconds === null ? 'unknown' : p.lagSeconds.toFixed(1);
  return html`<tr
    data-partition="${p.topic}:${p.partition}"
    class="${p.halted === null ? '' : 'bad'}"
  >
    <td>${p.topic}</td>
    <td class="n">${p.partition}</td>
    <td class="n">${p.checkpoint}</td>
    <td class="n">${p.highWatermark}</td>
    <td class="n">${p.lag}</td>
    <td class="n">${seconds}</td>
    <td>${p.halted === null ? 'running' : `halted: ${p.halted}`}</td>
  </tr>`;
}

function deadLettersSection(deadLetters: StatusReport['deadLetters']): SafeHtml {
  const body =
    deadLetters.length === 0
      ? html`<p>None.</p>`
      : html`<table>
          <thead>
            <tr>
              <th>reason</th>
              <th>records</th>
            </tr>
          </thead>
          <tbody>
            ${deadLetters.map(
              ({ reason, count }) =>
                html`<tr data-reason="${reason}">
                  <td>${reason}</td>
                  <td class="n">${count}</td>
                </tr>`,
            )}
          </tbody>
        </table>`;
  return html`<section id="dead-letters">
    <h2>Dead letters since start, by reason</h2>
    ${body}
    <p class="meta">All of them: checkout-rebuild dlq list.</p>
  </section>`;
}

function lastProblemSection(problem: StatusReport['lastProblem']): SafeHtml {
  const body =
    problem === null
      ? html`<p>None logged since start.</p>`
      : html`<p><span class="bad">${problem.level}</span> at ${problem.at}</p>
          <pre id="last-problem-message">${problem.message}</pre>`;
  return html`<section id="last-problem">
    <h2>Last warning or error</h2>
    ${body}
  </section>`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1a1a1a; }
h1 { margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.meta { color: #666; } .ok { color: #11772d; } .bad { color: #b00020; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fde8ea; }
pre { white-space: pre-wrap; background: #f5f5f5; padding: .5rem; max-width: 100ch; }
`;
