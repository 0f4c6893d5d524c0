/**
 * A tenant's monthly statement as CSV (for finance systems) or a self-contained printable HTML page
 * (to send). Pure: a Statement in, text out.
 */
import type { Statement, StatementLine, WebRtcStatementLine } from '../../src/core/ledger/statement.ts';

const SECTIONS = [
  ['region', 'byRegion', 'Delivery by pricing region'],
  ['day', 'byDay', 'Delivery by day (UTC)'],
  ['network', 'byNetwork', 'Delivery by viewer network'],
  ['content', 'byContent', 'Top content'],
] as const;

function cell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const isWebRtc = (l: StatementLine): l is WebRtcStatementLine => 'viewerMinutes' in l;

/**
 * Long format: `tenant,month,section,key,requests,bytes,gb,cost,currency,viewer_minutes`. The total
 * (HLS + WebRTC) first, then `protocol` rows `hls` and `webrtc` that sum to it, the HLS breakdowns
 * (each sums to `protocol,hls`), then `webrtc_stream` rows (sum to `protocol,webrtc`). On WebRTC rows
 * `requests` counts sessions and `viewer_minutes` is filled; the new column is last, so readers by
 * name or by position of the older columns are unaffected.
 */
export function renderStatementCsv(s: Statement): string {
  const rows = [
    ['tenant', 'month', 'section', 'key', 'requests', 'bytes', 'gb', 'cost', 'currency', 'viewer_minutes'],
  ];
  const add = (section: string, l: StatementLine) =>
    rows.push([
      s.tenant,
      s.month,
      section,
      l.key,
      String(l.requests),
      String(l.bytes),
      l.gb.toFixed(6),
      l.cost.toFixed(6),
      s.currency,
      isWebRtc(l) ? l.viewerMinutes.toFixed(6) : '',
    ]);
  add('total', s.total);
  for (const l of s.byProtocol) add('protocol', l);
  for (const [section, field] of SECTIONS) for (const l of s[field]) add(section, l);
  for (const l of s.webrtcByStream) add('webrtc_stream', l);
  return `${rows.map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function tableHtml(title: string, lines: readonly StatementLine[], currency: string): string {
  const body = lines
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.key)}</td><td>${l.requests}</td><td>${l.bytes}</td><td>${l.gb.toFixed(3)}</td><td>${l.cost.toFixed(2)} ${escapeHtml(currency)}</td></tr>`,
    )
    .join('');
  return `<h2>${escapeHtml(title)}</h2><table><thead><tr><th>${title.split(' ').pop()}</th><th>requests</th><th>bytes</th><th>GB</th><th>cost</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** WebRTC by stream, then its total line; nothing when the tenant had no sessions that month. */
function webRtcHtml(s: Statement): string {
  if (s.webrtc.requests === 0) return '';
  const body = [...s.webrtcByStream, { ...s.webrtc, key: 'total' }]
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.key)}</td><td>${l.viewerSessions}</td><td>${l.viewerMinutes.toFixed(2)}</td><td>${l.publisherSessions}</td>` +
        `<td>${l.bytes}</td><td>${l.gb.toFixed(3)}</td><td>${l.receivedBytes}</td><td>${l.cost.toFixed(2)} ${escapeHtml(s.currency)}</td></tr>`,
    )
    .join('');
  return `<h2>WebRTC by stream</h2><p>Bytes the media server sent (to viewers, and RTCP feedback to publishers) are billed; bytes publishers sent in are shown, not billed.</p><table><thead><tr><th>stream</th><th>viewer sessions</th><th>viewer-minutes</th><th>publisher sessions</th><th>bytes sent</th><th>GB</th><th>bytes received</th><th>cost</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** One printable page: header with tenant, period and the amount, then the breakdowns. */
export function renderStatementHtml(s: Statement): string {
  const sections = SECTIONS.map(([, field, title]) => tableHtml(title, s[field], s.currency)).join('\n');
  const protocols = tableHtml('Delivery by protocol', s.byProtocol, s.currency);
  const rtc = s.webrtc;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Statement ${escapeHtml(s.tenant)} ${s.month}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}
th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:right}th:first-child,td:first-child{text-align:left}
.amount{font-size:1.6em;font-weight:600}@media print{body{margin:0}}</style></head>
<body>
<h1>Delivery statement — ${escapeHtml(s.tenant)}</h1>
<p>Period ${s.from.slice(0, 10)} to ${s.to.slice(0, 10)} (UTC, end exclusive) · prices: ${escapeHtml(s.priceTable)} · 1 GB = ${s.bytesPerGB} bytes</p>
<p class="amount">${s.total.cost.toFixed(2)} ${escapeHtml(s.currency)}</p>
<p>${s.hls.requests} requests, ${s.hls.bytes} bytes (${s.hls.gb.toFixed(3)} GB) delivered to viewers by the edge (HLS).</p>
<p>WebRTC: ${rtc.viewerSessions} viewer sessions, ${rtc.viewerMinutes.toFixed(2)} viewer-minutes, ${rtc.bytes} bytes (${rtc.gb.toFixed(3)} GB) sent by the media server.</p>
${protocols}
${webRtcHtml(s)}
${sections}
</body></html>
`;
}
