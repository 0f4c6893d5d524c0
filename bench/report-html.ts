/**
 * The self-contained report.html: Chart.js inlined from node_modules (no network when opened), the
 * summary embedded as JSON, charts for hit ratio over time, TTFB percentiles over time, egress by
 * tier and country, and origin requests per object. Must not reference any external URL.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BenchSummary } from './results.ts';

/** Chart.js UMD bundle text, from the installed devDependency. */
export function chartJsSource(): string {
  // The exports map hides dist/*.umd*; the CommonJS entry sits in the same dist/ folder.
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/** JSON safe inside <script>: no `</script>` or `<!--` can close or confuse the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** @example writeFileSync('report.html', htmlReport(summary)) */
export function htmlReport(summary: BenchSummary, chartJs = chartJsSource()): string {
  const e = summary.edgeshield;
  const rows = e.thresholds
    .map(
      (t) =>
        `<tr class="${t.ok ? 'ok' : 'bad'}"><td>${t.ok ? '✓' : t.advisory === undefined ? '✗' : '~'}</td><td>${escapeHtml(t.metric)}${t.advisory === undefined ? '' : ` <small>(${escapeHtml(t.advisory)})</small>`}</td><td>${escapeHtml(t.threshold)}</td><td>${t.actual === null ? 'n/a' : +t.actual.toFixed(4)}</td></tr>`,
    )
    .join('');
  const tierRows = e.analyses
    .flatMap((a) =>
      Object.entries(a.tiers).map(
        ([tier, t]) =>
          `<tr><td>${escapeHtml(a.target)}</td><td>${tier}</td><td>${t.requests}</td><td>${(t.bytes / 1e6).toFixed(2)}</td><td>${(t.hitRatio * 100).toFixed(1)}%</td><td>${(t.byteHitRatio * 100).toFixed(1)}%</td></tr>`,
      ),
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edgeshield bench: ${escapeHtml(e.scenario)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:nth-child(-n+3){text-align:left}.ok{background:#e8f6e8}.bad{background:#fbe3e3}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}canvas{max-height:320px}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style>
</head><body>
<h1>edgeshield bench — ${escapeHtml(e.scenario)}</h1>
<p>${escapeHtml(e.description)}</p>
<p>Started ${escapeHtml(e.startedAt)}, ${e.durationSec.toFixed(1)} s, seed ${e.seed}. Verdict: <b>${e.passed ? 'PASS' : 'FAIL'}</b></p>
<h2>Thresholds</h2><table><tr><th></th><th>metric</th><th>threshold</th><th>actual</th></tr>${rows}</table>
<h2>Tiers</h2><table><tr><th>target</th><th>tier</th><th>requests</th><th>MB</th><th>request hit</th><th>byte hit</th></tr>${tierRows}</table>
<div class="grid">
<div><h3>Hit ratio over time</h3><canvas id="hit"></canvas></div>
<div><h3>TTFB percentiles over time (ms)</h3><canvas id="lat"></canvas></div>
<div><h3>Egress by tier and country (MB)</h3><canvas id="egress"></canvas></div>
<div><h3>Origin requests per object</h3><canvas id="per"></canvas></div>
</div>
<h2>Notes and extras</h2><pre>${escapeHtml([...e.notes, JSON.stringify(e.extras, null, 2)].join('\n'))}</pre>
<script>${chartJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>
const S = ${scriptJson(summary)};
const A = S.edgeshield.analyses;
const colors = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2'];
const a0 = A[0] || { timeseries: [], egress: { edge: {}, shield: {}, origin: {} }, originRequestsPerObject: {} };
new Chart(document.getElementById('hit'), { type: 'line', data: { labels: a0.timeseries.map(p => p.second), datasets: A.flatMap((a, i) => [
  { label: a.target + ' edge hit', data: a.timeseries.map(p => p.edgeHitRatio), borderColor: colors[(2*i) % 7] },
  { label: a.target + ' combined hit', data: a.timeseries.map(p => p.combinedHitRatio), borderColor: colors[(2*i+1) % 7] }]) },
  options: { scales: { y: { min: 0, max: 1 }, x: { title: { display: true, text: 's' } } } } });
new Chart(document.getElementById('lat'), { type: 'line', data: { labels: a0.timeseries.map(p => p.second), datasets: A.flatMap((a, i) => [
  { label: a.target + ' p50', data: a.timeseries.map(p => p.ttfbP50), borderColor: colors[(3*i) % 7] },
  { label: a.target + ' p95', data: a.timeseries.map(p => p.ttfbP95), borderColor: colors[(3*i+1) % 7] },
  { label: a.target + ' p99', data: a.timeseries.map(p => p.ttfbP99), borderColor: colors[(3*i+2) % 7] }]) } });
const countries = [...new Set(A.flatMap(a => Object.keys(a.egress.edge)))].sort();
new Chart(document.getElementById('egress'), { type: 'bar', data: { labels: A.flatMap(a => ['edge','shield','origin'].map(t => a.target + ' ' + t)),
  datasets: countries.map((c, i) => ({ label: c, backgroundColor: colors[i % 7], data: A.flatMap(a => ['edge','shield','origin'].map(t => (a.egress[t][c] || 0) / 1e6)) })) },
  options: { scales: { x: { stacked: true }, y: { stacked: true } } } });
const kinds = [...new Set(A.flatMap(a => Object.keys(a.originRequestsPerObject)))].filter(k => k !== 'all');
const buckets = [...new Set(A.flatMap(a => kinds.flatMap(k => Object.keys((a.originRequestsPerObject[k] || {}).histogram || {}))))].sort((x, y) => x - y);
new Chart(document.getElementById('per'), { type: 'bar', data: { labels: buckets.map(b => b + '×'),
  datasets: A.flatMap((a, i) => kinds.map((k, j) => ({ label: a.target + ' ' + k, backgroundColor: colors[(i*3+j) % 7], data: buckets.map(b => ((a.originRequestsPerObject[k] || {}).histogram || {})[b] || 0) }))) },
  options: { scales: { y: { title: { display: true, text: 'objects' } }, x: { title: { display: true, text: 'origin fetches per object' } } } } });
</script>
</body></html>
`;
}
