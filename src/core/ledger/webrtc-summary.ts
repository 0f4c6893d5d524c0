/**
 * The WebRTC side of the finance report (issue 16): `rtc` records (one per WHEP viewer or WHIP
 * publisher session, webrtc/session-record.ts) → viewer sessions, viewer-minutes, bytes sent to
 * viewers and received from publishers, priced per stream. Kept apart from the HLS aggregation so
 * a per-session record never counts as a "request" in hit ratios and offload.
 *
 * Pure: no I/O, no clock. Cost: the media server's bytes are priced with the same table as HLS, in
 * their own volume tiers (a media server is billed as its own egress, not on top of the CDN's).
 */
import { recordCosts } from './aggregate.ts';
import type { PriceTable } from './price-table.ts';
import type { EgressRecord } from './record.ts';

export interface WebRtcRow {
  /** Stream name, or `all`. */
  readonly key: string;
  readonly viewerSessions: number;
  readonly publisherSessions: number;
  /** Sum of WHEP session durations, minutes. */
  readonly viewerMinutes: number;
  /** Bytes sent to WHEP viewers (SRTP/SRTCP). */
  readonly bytes: number;
  /** Bytes received from WHIP publishers. */
  readonly receivedBytes: number;
  /** Viewer sessions that ended by the peer going away (tab closed, network lost). */
  readonly dropped: number;
  readonly cost: number;
}

export interface WebRtcSummary {
  readonly totals: WebRtcRow;
  /** Biggest egress first. */
  readonly byStream: readonly WebRtcRow[];
}

/** Whether a record is a WebRTC session record rather than an HLS response. */
export const isRtcRecord = (r: EgressRecord): boolean => r.tier === 'rtc';

/**
 * @example summarizeWebRtc(records, CLOUDFRONT_ON_DEMAND).totals.viewerMinutes
 */
export function summarizeWebRtc(records: readonly EgressRecord[], table: PriceTable): WebRtcSummary {
  const rtc = records.filter(isRtcRecord);
  const costs = recordCosts(rtc, table, 'rtc');
  const groups = new Map<string, MutableRow>();
  const totals = emptyRow('all');
  for (const [i, r] of rtc.entries()) {
    const key = r.stream ?? r.contentId;
    let row = groups.get(key);
    if (!row) {
      row = emptyRow(key);
      groups.set(key, row);
    }
    for (const target of [row, totals]) add(target, r, costs[i] ?? 0);
  }
  const byStream = [...groups.values()].sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key));
  return { totals, byStream };
}

type MutableRow = { -readonly [K in keyof WebRtcRow]: WebRtcRow[K] };

function emptyRow(key: string): MutableRow {
  return {
    key,
    viewerSessions: 0,
    publisherSessions: 0,
    viewerMinutes: 0,
    bytes: 0,
    receivedBytes: 0,
    dropped: 0,
    cost: 0,
  };
}

function add(row: MutableRow, r: EgressRecord, cost: number): void {
  row.cost += cost;
  if (r.role === 'publisher') {
    row.publisherSessions++;
    row.receivedBytes += r.receivedBytes ?? 0;
    return;
  }
  row.viewerSessions++;
  row.viewerMinutes += r.durationMs / 60_000;
  row.bytes += r.bytes;
  if (r.aborted) row.dropped++;
}
