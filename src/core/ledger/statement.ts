/**
 * A tenant's monthly statement (issue 15): what the edge delivered to that tenant's viewers in one
 * UTC calendar month, priced with one price table, broken down by pricing region, day, network and
 * content. Pure: records and the table come in; rendering is scripts/egress/render-statement.ts.
 *
 * HLS: only edge records count: they are the bytes viewers received (shield and origin records are
 * internal traffic, never billed to a tenant). WebRTC: the tenant's `rtc` session records, summarised
 * and priced by webrtc-summary.ts exactly as the report does (its own volume tiers; publisher ingest
 * is shown, not billed). Volume tiers start from zero for the tenant's month. The total is HLS +
 * WebRTC (`byProtocol` sums to it); the region/day/network/content breakdowns sum to the HLS line,
 * `webrtcByStream` to the WebRTC line. A WebRTC session belongs to the month it started in.
 */
import { err, ok, type Result } from '../result.ts';
import { aggregate, type Row } from './aggregate.ts';
import { monthRange } from './period.ts';
import type { PriceTable } from './price-table.ts';
import type { EgressRecord } from './record.ts';
import { billedBytesOf, isRtcRecord, summarizeWebRtc, type WebRtcRow } from './webrtc-summary.ts';

export interface StatementLine {
  readonly key: string;
  readonly requests: number;
  readonly bytes: number;
  readonly gb: number;
  readonly cost: number;
}

/**
 * WebRTC on a statement: `requests` counts sessions (viewers + publishers), `bytes` what the media
 * server sent (priced), `receivedBytes` what publishers sent in (not priced).
 */
export interface WebRtcStatementLine extends StatementLine {
  readonly viewerSessions: number;
  readonly publisherSessions: number;
  /** Sum of WHEP (viewer) session durations / 60 000 ms. */
  readonly viewerMinutes: number;
  readonly receivedBytes: number;
}

export interface Statement {
  readonly tenant: string;
  /** `YYYY-MM`. */
  readonly month: string;
  /** ISO 8601, inclusive start and exclusive end of the month (UTC). */
  readonly from: string;
  readonly to: string;
  readonly priceTable: string;
  readonly currency: string;
  readonly bytesPerGB: number;
  /** HLS + WebRTC: the amount. */
  readonly total: StatementLine;
  /** HLS delivered by the edge; the region, day, network and content breakdowns sum to it. */
  readonly hls: StatementLine;
  readonly webrtc: WebRtcStatementLine;
  /** `hls` then `webrtc`, always both: they sum to `total`. */
  readonly byProtocol: readonly StatementLine[];
  readonly webrtcByStream: readonly WebRtcStatementLine[];
  readonly byRegion: readonly StatementLine[];
  readonly byDay: readonly StatementLine[];
  readonly byNetwork: readonly StatementLine[];
  readonly byContent: readonly StatementLine[];
}

/**
 * @example buildStatement(records, CLOUDFRONT_ON_DEMAND, { tenant: 'acme', month: '2026-12' })
 */
export function buildStatement(
  records: readonly EgressRecord[],
  table: PriceTable,
  options: { readonly tenant: string; readonly month: string; readonly topContents?: number },
): Result<Statement, string> {
  const range = monthRange(options.month);
  if (!range) return err(`month: expected YYYY-MM, got ${JSON.stringify(options.month)}`);
  const mine = records.filter(
    (r) => r.tenant === options.tenant && r.ts >= range.fromMs && r.ts < range.toMs,
  );
  const report = aggregate(
    mine.filter((r) => r.tier === 'edge'),
    table,
    {
      by: ['region', 'day', 'network'],
      topContents: options.topContents ?? 20,
    },
  );
  const webrtc = summarizeWebRtc(mine.filter(isRtcRecord), table);
  const line = (row: Row): StatementLine => ({
    key: row.key,
    requests: row.requests,
    bytes: row.bytes,
    gb: row.bytes / table.bytesPerGB,
    cost: row.cost,
  });
  const rtcLine = (row: WebRtcRow, key: string): WebRtcStatementLine => ({
    key,
    requests: row.viewerSessions + row.publisherSessions,
    bytes: billedBytesOf(row),
    gb: billedBytesOf(row) / table.bytesPerGB,
    cost: row.cost,
    viewerSessions: row.viewerSessions,
    publisherSessions: row.publisherSessions,
    viewerMinutes: row.viewerMinutes,
    receivedBytes: row.receivedBytes,
  });
  const hls = line({ ...report.totals, key: 'hls' });
  const rtc = rtcLine(webrtc.totals, 'webrtc');
  const bytes = hls.bytes + rtc.bytes;
  return ok({
    tenant: options.tenant,
    month: options.month,
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    priceTable: table.name,
    currency: table.currency,
    bytesPerGB: table.bytesPerGB,
    total: {
      key: 'total',
      requests: hls.requests + rtc.requests,
      bytes,
      gb: bytes / table.bytesPerGB,
      cost: hls.cost + rtc.cost,
    },
    hls,
    webrtc: rtc,
    byProtocol: [hls, rtc],
    webrtcByStream: webrtc.byStream.map((row) => rtcLine(row, row.key)),
    byRegion: (report.breakdowns.region ?? []).map(line),
    byDay: (report.breakdowns.day ?? []).map(line),
    byNetwork: (report.breakdowns.network ?? []).map(line),
    byContent: report.topContents.map(line),
  });
}
