/**
 * The WebRTC side of the finance report (issue 16): `rtc` records (one per WHEP viewer or WHIP
 * publisher session, webrtc/session-record.ts) → viewer sessions, viewer-minutes, bytes sent to
 * viewers and received from publishers, priced per stream. Kept apart from the HLS aggregation so
 * a per-session record never counts as a "request" in hit ratios and offload.
 *
 * Pure: no I/O, no clock. Cost: the media server's bytes are priced with the same table as HLS, in
 * their own volume tiers (a media server is billed as its own egress, not on top of the CDN's).
 * Everything the media server sends is egress and priced: bytes to viewers and the little it sends
 * back to publishers (RTCP feedback), never what publishers send in (`receivedBytes`, ingest). This is
 * the one pricing path for WebRTC: the report (table, HTML, CSV) and the tenant statement use it.
 */
import { recordCosts } from './aggregate.ts';
import type { PriceTable } from './price-table.ts';
import { type EgressRecord, RTC_ROLES, type RtcRole } from './record.ts';

export interface WebRtcRow {
  /** Stream name, or `all`. */
  readonly key: string;
  readonly viewerSessions: number;
  readonly publisherSessions: number;
  /** Sum of WHEP session durations, minutes. */
  readonly viewerMinutes: number;
  /** Bytes sent to WHEP viewers (SRTP/SRTCP). */
  readonly bytes: number;
  /** Bytes received from WHIP publishers (ingest; not priced). */
  readonly receivedBytes: number;
  /** Bytes sent back to WHIP publishers (RTCP feedback); priced as egress like `bytes`. */
  readonly publisherBytes: number;
  /** Viewer sessions that ended by the peer going away (tab closed, network lost). */
  readonly dropped: number;
  readonly cost: number;
}

export interface WebRtcSummary {
  readonly totals: WebRtcRow;
  /** Biggest egress first. */
  readonly byStream: readonly WebRtcRow[];
  /** `viewer` then `publisher` (only roles present): splits the cost between them. */
  readonly byRole: readonly WebRtcRow[];
}

/** Bytes the media server sent and a price table priced: to viewers plus back to publishers. */
export const billedBytesOf = (row: WebRtcRow): number => row.bytes + row.publisherBytes;

/** Whether a record is a WebRTC session record rather than an HLS response. */
export const isRtcRecord = (r: EgressRecord): boolean => r.tier === 'rtc';

/**
 * @example summarizeWebRtc(records, CLOUDFRONT_ON_DEMAND).totals.viewerMinutes
 */
export function summarizeWebRtc(records: readonly EgressRecord[], table: PriceTable): WebRtcSummary {
  const rtc = records.filter(isRtcRecord);
  const costs = recordCosts(rtc, table, 'rtc');
  const streams = new Map<string, MutableRow>();
  const roles = new Map<string, MutableRow>();
  const totals = emptyRow('all');
  const rowIn = (groups: Map<string, MutableRow>, key: string) => {
    let row = groups.get(key);
    if (!row) {
      row = emptyRow(key);
      groups.set(key, row);
    }
    return row;
  };
  for (const [i, r] of rtc.entries()) {
    const targets = [rowIn(streams, r.stream ?? r.contentId), rowIn(roles, roleOf(r)), totals];
    for (const target of targets) add(target, r, costs[i] ?? 0);
  }
  const byStream = [...streams.values()].sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key));
  const byRole = RTC_ROLES.flatMap((role) => roles.get(role) ?? []);
  return { totals, byStream, byRole };
}

/** A record without a role predates roles or was hand-written: it is billed as a viewer's. */
const roleOf = (r: EgressRecord): RtcRole => (r.role === 'publisher' ? 'publisher' : 'viewer');

type MutableRow = { -readonly [K in keyof WebRtcRow]: WebRtcRow[K] };

function emptyRow(key: string): MutableRow {
  return {
    key,
    viewerSessions: 0,
    publisherSessions: 0,
    viewerMinutes: 0,
    bytes: 0,
    receivedBytes: 0,
    publisherBytes: 0,
    dropped: 0,
    cost: 0,
  };
}

function add(row: MutableRow, r: EgressRecord, cost: number): void {
  row.cost += cost;
  if (roleOf(r) === 'publisher') {
    row.publisherSessions++;
    row.receivedBytes += r.receivedBytes ?? 0;
    row.publisherBytes += r.bytes;
    return;
  }
  row.viewerSessions++;
  row.viewerMinutes += r.durationMs / 60_000;
  row.bytes += r.bytes;
  if (r.aborted) row.dropped++;
}
