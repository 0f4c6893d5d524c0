/**
 * CSV output of the finance report: one row per group, long format (`dimension,key,…`), the
 * viewer-facing totals row first, then each `--by` dimension in order, then the top contents. RFC 4180 quoting.
 * Pure.
 */
import type { Report, Row } from '../../src/core/ledger/aggregate.ts';

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

/** @example renderCsv(aggregate(records, FLAT, { by: ['tier'] })) */
export function renderCsv(report: Report): string {
  // The total row is what viewers received (the viewer-facing tier), with the packager bytes as its
  // origin bytes: the same numbers as the table's summary. Per-tier sums are the `tier` breakdown.
  const lines = [CSV_COLUMNS.join(','), line('total', report.viewerTotals, report.currency)];
  for (const [dimension, rows] of Object.entries(report.breakdowns)) {
    for (const row of rows ?? []) lines.push(line(dimension, row, report.currency));
  }
  for (const row of report.topContents) lines.push(line('top_content', row, report.currency));
  return `${lines.join('\n')}\n`;
}
