/**
 * CSV output of the finance report: one row per group, long format (`dimension,key,…`), the
 * viewer-facing totals row first, then each `--by` dimension in order, then the top contents. RFC 4180 quoting.
 * WebRTC sessions (ledger tier `rtc`) follow as rows of their own dimensions (`webrtc_total`,
 * `webrtc_role`, `webrtc_stream`) in the same columns, so a consumer that reads the HLS rows by
 * `dimension` sees exactly what it saw before; nothing WebRTC is folded into the HLS `total`.
 * Pure.
 */
import type { Report, Row } from '../../src/core/ledger/aggregate.ts';
import { billedBytesOf, type WebRtcRow, type WebRtcSummary } from '../../src/core/ledger/webrtc-summary.ts';

export const CSV_COLUMNS = [
  'dimension',
  'key',
  'requests',
  'hits',
  'request_hit_ratio',
  'bytes',
  'origin_bytes',
  'byte_offload',
  'origin_bytes_saved',
  'cost',
  'currency',
  'sessions',
  'viewer_hours',
  'cost_per_viewer_hour',
] as const;

function cell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const fixed = (n: number | null, digits: number) => (n === null ? null : n.toFixed(digits));

function line(dimension: string, row: Row, currency: string): string {
  return [
    dimension,
    row.key,
    row.requests,
    row.hits,
    fixed(row.hitRatio, 4),
    row.bytes,
    row.originBytes,
    fixed(row.byteOffload, 4),
    row.originBytesSaved,
    fixed(row.cost, 6),
    currency,
    row.sessions,
    fixed(row.viewerHours, 6),
    fixed(row.costPerViewerHour, 6),
  ]
    .map(cell)
    .join(',');
}

/**
 * A WebRTC row in the report's columns. A session is not an HTTP request and has no cache, so:
 * `requests` = session records (viewers + publishers; each carries the table's request fee, if any),
 * `hits`/`request_hit_ratio` empty, `bytes` = bytes the media server sent (to viewers and, as RTCP
 * feedback, to publishers: what is priced), `origin_bytes` = what publishers sent in (the SFU's
 * upstream; not priced), `byte_offload`/`origin_bytes_saved` empty (an SFU forwards, it does not
 * cache), `sessions` = viewer sessions and `viewer_hours` = viewer-minutes / 60.
 */
function webRtcLine(dimension: string, row: WebRtcRow, currency: string): string {
  const bytes = billedBytesOf(row);
  const viewerHours = row.viewerMinutes / 60;
  return [
    dimension,
    row.key,
    row.viewerSessions + row.publisherSessions,
    null,
    null,
    bytes,
    row.receivedBytes,
    null,
    null,
    fixed(row.cost, 6),
    currency,
    row.viewerSessions,
    fixed(viewerHours, 6),
    viewerHours > 0 ? fixed(row.cost / viewerHours, 6) : null,
  ]
    .map(cell)
    .join(',');
}

/** @example renderCsv(aggregate(records, FLAT, { by: ['tier'] }), summarizeWebRtc(records, FLAT)) */
export function renderCsv(report: Report, webrtc?: WebRtcSummary): string {
  // The total row is what viewers received (the viewer-facing tier), with the packager bytes as its
  // origin bytes: the same numbers as the table's summary. Per-tier sums are the `tier` breakdown.
  const lines = [CSV_COLUMNS.join(','), line('total', report.viewerTotals, report.currency)];
  for (const [dimension, rows] of Object.entries(report.breakdowns)) {
    for (const row of rows ?? []) lines.push(line(dimension, row, report.currency));
  }
  for (const row of report.topContents) lines.push(line('top_content', row, report.currency));
  const t = webrtc?.totals;
  if (webrtc && t && t.viewerSessions + t.publisherSessions > 0) {
    lines.push(webRtcLine('webrtc_total', t, report.currency));
    for (const row of webrtc.byRole) lines.push(webRtcLine('webrtc_role', row, report.currency));
    for (const row of webrtc.byStream) lines.push(webRtcLine('webrtc_stream', row, report.currency));
  }
  return `${lines.join('\n')}\n`;
}
