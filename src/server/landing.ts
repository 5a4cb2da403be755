import escapeHtml from 'escape-html';
import type { ProbeRecord, SessionState, TargetState } from '../sinks/history.ts';

export interface LandingModel {
  version: string;
  targets: TargetState[];
  history: ProbeRecord[];
}

/**
 * The landing page. Every value is escaped: result messages carry text from remote servers
 * (status lines, bodies, error messages) and must never become markup.
 */
export function renderLanding(model: LandingModel): string {
  const targetRows = model.targets
    .map(({ target, last, lastAt, nextAt, session }) => {
      if (session !== undefined) return sessionRow(target.name, target.kind, session);
      const state =
        last === undefined
          ? '<td class="pending">pending</td>'
          : last.success
            ? '<td class="ok">success</td>'
            : `<td class="fail">${e(last.reason)}</td>`;
      return `<tr><td>${e(target.name)}</td><td>${e(target.kind)}</td>${state}<td>${last === undefined ? '' : `${(last.durationSeconds * 1000).toFixed(1)} ms`}</td><td>${time(lastAt)}</td><td>${time(nextAt)}</td><td class="msg">${e(last?.message ?? '')}</td></tr>`;
    })
    .join('\n');
  const historyRows = model.history
    .map(
      (record) =>
        `<tr><td>${record.id}</td><td>${e(record.target)}</td><td>${e(record.kind)}</td><td>${time(record.startedAt)}</td><td class="${record.result.success ? 'ok' : 'fail'}">${e(record.result.reason)}</td><td><a href="logs?id=${record.id}">logs</a></td></tr>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cxprobe</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:2em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}th{background:#f3f3f3}
.ok{color:#1a7f37}.fail{color:#cf222e;font-weight:600}.pending{color:#888}.msg{max-width:40em;overflow-wrap:anywhere}
</style></head>
<body>
<h1>cxprobe</h1>
<p>Synthetic probes for contact-center voice and bot integrations. Version ${e(model.version)}.</p>
<p><a href="metrics">Metrics</a> · <a href="config">Configuration</a> · <a href="-/healthy">Health</a> · <a href="-/ready">Readiness</a></p>
<h2>Targets</h2>
<table><thead><tr><th>Target</th><th>Kind</th><th>Last result / session</th><th>Duration / last RTT</th><th>Last probe / up since</th><th>Next probe</th><th>Detail</th></tr></thead>
<tbody>
${targetRows}
</tbody></table>
<h2>Recent probes</h2>
<p>The newest probes, then older failures kept so they stay readable.</p>
<table><thead><tr><th>Id</th><th>Target</th><th>Kind</th><th>Started</th><th>Result</th><th>Debug</th></tr></thead>
<tbody>
${historyRows}
</tbody></table>
</body></html>
`;
}

/** A persistent target: its live session instead of a last probe. */
function sessionRow(name: string, kind: string, session: SessionState): string {
  const state = session.connected
    ? `<td class="ok">connected</td>`
    : `<td class="fail">${session.closes === 0 && session.lastConnectError === undefined ? 'connecting' : 'reconnecting'}</td>`;
  const rtt =
    session.lastRtt === undefined
      ? ''
      : `${(session.lastRtt.seconds * 1000).toFixed(1)} ms (${e(session.lastRtt.layer)})`;
  const close =
    session.lastClose === undefined
      ? ''
      : `last close ${session.lastClose.code} ${e(session.lastClose.reason)}${session.lastClose.abnormal ? ' (abnormal)' : ''} at ${time(session.lastClose.at)}`;
  const detail = [
    close,
    session.lastConnectError === undefined
      ? ''
      : `last connect error: ${e(session.lastConnectError)}`,
    `${session.closes} closes, ${session.reconnects} reconnects`,
  ]
    .filter((part) => part !== '')
    .join('; ');
  return `<tr><td>${e(name)}</td><td>${e(kind)}</td>${state}<td>${rtt}</td><td>${session.connectedSince === undefined ? '' : `since ${time(session.connectedSince)}`}</td><td></td><td class="msg">${detail}</td></tr>`;
}

function e(text: string): string {
  return escapeHtml(text);
}

function time(epochMs: number | undefined): string {
  return epochMs === undefined ? '' : e(new Date(epochMs).toISOString());
}
