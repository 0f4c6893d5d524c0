/**
 * Terminal output of the finance report: a summary block and one aligned table per breakdown.
 * Pure.
 */
import type { Report, Row } from '../../src/core/ledger/aggregate.ts';
import type { WebRtcRow, WebRtcSummary } from '../../src/core/ledger/webrtc-summary.ts';

/** 1234567 → "1.23 MB" (decimal units, as finance quotes traffic). */
export function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(2)} ${units[u]}`;
}

export const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);
export const money = (n: number | null, currency: string) =>
  n === null ? '-' : `${n < 1 ? n.toFixed(6) : n.toFixed(2)} ${currency}`;

function table(title: string, rows: readonly Row[], currency: string): string {
  const head = [
    'key',
    'requests',
    'hit ratio',
    'bytes',
    'offload',
    'origin bytes',
    'cost',
    'sessions',
    '/viewer-h',
  ];
  const body = rows.map((r) => [
    r.key,
    String(r.requests),
    pct(r.hitRatio),
    humanBytes(r.bytes),
    pct(r.byteOffload),
    humanBytes(r.originBytes),
    money(r.cost, currency),
    String(r.sessions),
    money(r.costPerViewerHour, currency),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [`== ${title}`, fmt(head), ...body.map(fmt)].join('\n');
}

/** The WebRTC sessions beside HLS: one line of totals and a table by stream (nothing when none). */
export function renderWebRtc(summary: WebRtcSummary, currency: string): string {
  const t = summary.totals;
  if (t.viewerSessions + t.publisherSessions === 0) return '';
  const head = [
    'stream',
    'viewer sessions',
    'viewer-min',
    'bytes to viewers',
    'publishers',
    'bytes in',
    'cost',
  ];
  const cells = (r: WebRtcRow) => [
    r.key,
    String(r.viewerSessions),
    r.viewerMinutes.toFixed(2),
    humanBytes(r.bytes),
    String(r.publisherSessions),
    humanBytes(r.receivedBytes),
    money(r.cost, currency),
  ];
  const body = [...summary.byStream.map(cells), cells(t)];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const fmt = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [
    `== WebRTC (WHEP/WHIP sessions)`,
    `webrtc: ${t.viewerSessions} viewer sessions, ${t.viewerMinutes.toFixed(2)} viewer-minutes, ${humanBytes(t.bytes)} to viewers (${t.dropped} dropped by the viewer), ${t.publisherSessions} publisher sessions, ${humanBytes(t.receivedBytes)} ingested${t.publisherBytes > 0 ? ` (${humanBytes(t.publisherBytes)} of RTCP feedback sent back, billed)` : ''}, cost ${money(t.cost, currency)}`,
    fmt(head),
    ...body.map(fmt),
  ].join('\n');
}

/** @example process.stdout.write(renderTable(report, summarizeWebRtc(records, table))) */
export function renderTable(report: Report, webrtc?: WebRtcSummary): string {
  const c = report.currency;
  const t = report.totals;
  const v = report.viewerTotals;
  const period =
    report.firstTs === null || report.lastTs === null
      ? 'no records'
      : `${new Date(report.firstTs).toISOString()} .. ${new Date(report.lastTs).toISOString()}`;
  const summary = [
    `egress report (${report.priceTable}, ${c}) ${period}`,
    // Lead with what viewers received and what it cost; the ledger's all-tier sums come last.
    `delivered to viewers ${humanBytes(report.deliveredBytes)} in ${v.requests} requests, cost ${money(v.cost, c)}`,
    `request hit ratio ${pct(v.hitRatio)}, byte offload ${pct(v.byteOffload)}`,
    `fetched from packager ${humanBytes(report.packagerBytes)}, origin bytes saved ${humanBytes(report.originBytesSaved)}`,
    `sessions ${t.sessions}, viewer-hours ${t.viewerHours.toFixed(3)}, cost/viewer-hour ${money(t.costPerViewerHour, c)}, cost/session ${money(report.costPerSession, c)}`,
    `all tiers (see by tier): ${t.requests} requests, ${humanBytes(t.bytes)}`,
  ].join('\n');
  const sections = Object.entries(report.breakdowns).map(([d, rows]) => table(`by ${d}`, rows ?? [], c));
  sections.push(table('top contents by egress', report.topContents, c));
  const rtc = webrtc === undefined ? '' : renderWebRtc(webrtc, c);
  if (rtc !== '') sections.push(rtc);
  return `${[summary, ...sections].join('\n\n')}\n`;
}
