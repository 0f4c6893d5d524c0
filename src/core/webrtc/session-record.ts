/**
 * The ledger record of one WebRTC session (issue 16): the egress record shape (ledger/record.ts)
 * with tier `rtc`, one record per WHEP viewer or WHIP publisher session at its end, so the finance
 * CLI reads HLS and WebRTC from the same NDJSON. `bytes` is what the media server sent to the peer
 * (SRTP + SRTCP), `receivedBytes` what it received, `durationMs` the session's length.
 *
 * Pure: no I/O, no clock (the caller passes start and end). Viewer facts come from the edge's
 * `x-edgeshield-viewer` header, already hashed there; never a token. `rtcSessionId` is the media
 * server's session id: the key that makes a re-sent record count once in the D1 ledger (usage-batch.ts).
 */
import type { EgressRecord, RtcRole } from '../ledger/record.ts';
import type { RtcKind, RtcViewer } from './contract.ts';

export interface RtcSessionFacts {
  readonly kind: RtcKind;
  readonly stream: string;
  /** The media server's session id (the resource in `Location`). */
  readonly session: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly viewer: RtcViewer;
  /** Why it ended, for `status`: a clean DELETE/shutdown is 200, a dropped peer 499. */
  readonly ended: 'deleted' | 'disconnected' | 'failed' | 'timeout' | 'shutdown';
}

const roleOf = (kind: RtcKind): RtcRole => (kind === 'whep' ? 'viewer' : 'publisher');

/**
 * @example
 *   rtcSessionRecord({ kind: 'whep', stream: 'live', session: 'abc…', startedAt: 0, endedAt: 60_000,
 *     bytesSent: 9e6, bytesReceived: 2e4, viewer: { country: 'DE' }, ended: 'deleted' })
 *   // { tier: 'rtc', protocol: 'webrtc', stream: 'live', role: 'viewer', bytes: 9000000, durationMs: 60000, … }
 */
export function rtcSessionRecord(facts: RtcSessionFacts): EgressRecord {
  const v = facts.viewer;
  const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0);
  return {
    ts: Math.trunc(facts.startedAt),
    tier: 'rtc',
    // A session that the peer dropped (tab closed, network gone) is an "aborted" delivery, like HLS's
    // 499; everything else ended as asked.
    status: facts.ended === 'deleted' || facts.ended === 'shutdown' ? 200 : 499,
    cacheStatus: 'NONE',
    bytes: count(facts.bytesSent),
    headerBytes: 0,
    ...(v.country ? { country: v.country.toUpperCase() } : {}),
    ...(v.region ? { region: v.region } : {}),
    ...(v.colo ? { colo: v.colo } : {}),
    contentKind: 'other',
    path: `/${facts.kind}/${facts.stream}`,
    contentId: facts.stream,
    // The token's `sid` names the viewer's session across tiers; without one, the media server's own.
    sessionId: v.sessionId ?? facts.session,
    ...(v.viewer ? { viewer: v.viewer } : {}),
    originBytes: 0,
    durationMs: Math.max(0, Math.round(facts.endedAt - facts.startedAt)),
    ...(facts.ended === 'deleted' || facts.ended === 'shutdown' ? {} : { aborted: true }),
    ...(v.tenant ? { tenant: v.tenant } : {}),
    ...(v.asn !== undefined && Number.isSafeInteger(v.asn) && v.asn > 0 ? { asn: v.asn } : {}),
    ...(v.asOrganization ? { asOrganization: v.asOrganization } : {}),
    protocol: 'webrtc',
    stream: facts.stream,
    role: roleOf(facts.kind),
    receivedBytes: count(facts.bytesReceived),
    rtcSessionId: facts.session,
  };
}
