/**
 * Self-contained HTML finance report: summary, plots (egress by region over time, request hit
 * ratio vs byte offload per tier, cost by region and tier) and the breakdown tables. Chart.js is
 * inlined (passed in as source text), so the file opens offline. Pure: no I/O.
 */
import type { Report, Row } from '../../src/core/ledger/aggregate.ts';
import type { WebRtcSummary } from '../../src/core/ledger/webrtc-summary.ts';
import { humanBytes, money, pct } from './render-table.ts';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** JSON safe inside <script>: no `</script>`, no `<!--`. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function tableHtml(title: string, rows: readonly Row[], currency: string): string {
  const head = [
    'key',
    'requests',
    'hit ratio',
    'bytes',
    'byte offload',
    'origin bytes',
    'cost',
    'sessions',
    'viewer-h',
    'cost/viewer-h',
  ];
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.key)}</td><td>${r.requests}</td><td>${pct(r.hitRatio)}</td><td>${humanBytes(r.bytes)}</td>` +
        `<td>${pct(r.byteOffload)}</td><td>${humanBytes(r.originBytes)}</td><td>${esc(money(r.cost, currency))}</td>` +
        `<td>${r.sessions}</td><td>${r.viewerHours.toFixed(3)}</td><td>${esc(money(r.costPerViewerHour, currency))}</td></tr>`,
    )
    .join('\n');
  return `<h2>${esc(title)}</h2><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

/** WebRTC sessions by stream (issue 16), or nothing when the ledger has none. */
function webRtcHtml(summary: WebRtcSummary | undefined, currency: string): string {
  if (!summary || summary.totals.viewerSessions + summary.totals.publisherSessions === 0) return '';
  const head = [
    'stream',
    'viewer sessions',
    'viewer-minutes',
    'bytes to viewers',
    'dropped',
    'publishers',
    'bytes in',
    'cost',
  ];
  const body = [...summary.byStream, summary.totals]
    .map(
      (r) =>
        `<tr><td>${esc(r.key)}</td><td>${r.viewerSessions}</td><td>${r.viewerMinutes.toFixed(2)}</td><td>${humanBytes(r.bytes)}</td>` +
        `<td>${r.dropped}</td><td>${r.publisherSessions}</td><td>${humanBytes(r.receivedBytes)}</td><td>${esc(money(r.cost, currency))}</td></tr>`,
    )
    .join('\n');
  return `<h2>WebRTC (WHEP/WHIP sessions)</h2><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

/** @example renderHtml(report, readFileSync('node_modules/chart.js/dist/chart.umd.min.js', 'utf8')) */
export function renderHtml(report: Report, chartJsSource: string, webrtc?: WebRtcSummary): string {
  const c = report.currency;
  const t = report.totals;
  const v = report.viewerTotals;
  const period =
    report.firstTs === null || report.lastTs === null
      ? 'no records'
      : `${new Date(report.firstTs).toISOString()} .. ${new Date(report.lastTs).toISOString()}`;
  const tiers = report.breakdowns.tier ?? [];
  const data = {
    timeline: report.timeline,
    tiers: tiers.map((r) => ({ key: r.key, hitRatio: r.hitRatio ?? 0, byteOffload: r.byteOffload ?? 0 })),
    costByRegion: (report.breakdowns.region ?? []).map((r) => ({ key: r.key, cost: r.cost })),
    costByTier: tiers.map((r) => ({ key: r.key, cost: r.cost })),
  };
  const tables = Object.entries(report.breakdowns).map(([d, rows]) => tableHtml(`By ${d}`, rows ?? [], c));
  tables.push(tableHtml('Top contents by egress', report.topContents, c));
  const rtc = webRtcHtml(webrtc, c);
  if (rtc !== '') tables.push(rtc);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeshield egress report</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1.5em}.kpi td{text-align:left}.charts canvas{max-height:320px}
</style>
<script>${chartJsSource.replace(/<\/script/gi, '<\\/script')}</script>
</head><body>
<h1>Egress report</h1>
<table class="kpi">
<tr><th>period</th><td>${esc(period)}</td></tr>
<tr><th>price table</th><td>${esc(report.priceTable)} (${esc(c)})</td></tr>
<tr><th>delivered to viewers</th><td>${humanBytes(report.deliveredBytes)} in ${v.requests} requests</td></tr>
<tr><th>cost</th><td>${esc(money(v.cost, c))}</td></tr>
<tr><th>request hit ratio / byte offload</th><td>${pct(v.hitRatio)} / ${pct(v.byteOffload)}</td></tr>
<tr><th>fetched from packager / origin bytes saved</th><td>${humanBytes(report.packagerBytes)} / ${humanBytes(report.originBytesSaved)}</td></tr>
<tr><th>cost per viewer-hour / per session</th><td>${esc(money(t.costPerViewerHour, c))} / ${esc(money(report.costPerSession, c))}</td></tr>
<tr><th>all tiers (see by tier)</th><td>${t.requests} requests, ${humanBytes(t.bytes)}</td></tr>
</table>
<div class="charts">
<div><h2>Egress by region over time</h2><canvas id="timeline"></canvas></div>
<div><h2>Request hit ratio vs byte offload</h2><canvas id="offload"></canvas></div>
<div><h2>Cost by region</h2><canvas id="costRegion"></canvas></div>
<div><h2>Cost by tier</h2><canvas id="costTier"></canvas></div>
</div>
${tables.join('\n')}
<script>
// No animation: the report is read, printed and screenshotted, never watched.
Chart.defaults.animation = false;
const data = ${scriptJson(data)};
const at = [...new Set(data.timeline.points.map((p) => p.at))];
const regions = [...new Set(data.timeline.points.map((p) => p.region))];
new Chart(document.getElementById('timeline'), { type: 'bar', data: { labels: at, datasets: regions.map((region) => ({
  label: region, data: at.map((a) => (data.timeline.points.find((p) => p.at === a && p.region === region)?.bytes ?? 0) / 1e9) })) },
  options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'GB per ' + data.timeline.bucket } } } } });
new Chart(document.getElementById('offload'), { type: 'bar', data: { labels: data.tiers.map((t) => t.key), datasets: [
  { label: 'request hit ratio', data: data.tiers.map((t) => t.hitRatio * 100) },
  { label: 'byte offload', data: data.tiers.map((t) => t.byteOffload * 100) }] },
  options: { scales: { y: { min: 0, max: 100, title: { display: true, text: '%' } } } } });
new Chart(document.getElementById('costRegion'), { type: 'doughnut', data: { labels: data.costByRegion.map((r) => r.key),
  datasets: [{ data: data.costByRegion.map((r) => r.cost) }] } });
new Chart(document.getElementById('costTier'), { type: 'doughnut', data: { labels: data.costByTier.map((r) => r.key),
  datasets: [{ data: data.costByTier.map((r) => r.cost) }] } });
</script>
</body></html>
`;
}
