/** The WebRTC session's ledger record and its trip through NDJSON into the finance report. */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/core/ledger/aggregate.ts';
import { parseLedgerLine } from '../../../src/core/ledger/logpush.ts';
import { FLAT } from '../../../src/core/ledger/prices/flat.ts';
import { buildEgressRecord } from '../../../src/core/ledger/record.ts';
import { summarizeWebRtc } from '../../../src/core/ledger/webrtc-summary.ts';
import { type RtcSessionFacts, rtcSessionRecord } from '../../../src/core/webrtc/session-record.ts';

const T0 = Date.UTC(2026, 9, 1, 12, 0, 0);

const facts = (over: Partial<RtcSessionFacts> = {}): RtcSessionFacts => ({
  kind: 'whep',
  stream: 'live',
  session: 'AAAAAAAAAAAAAAAAAAAAAAAA',
  startedAt: T0,
  endedAt: T0 + 120_000,
  bytesSent: 9_000_000,
  bytesReceived: 20_000,
  viewer: {},
  ended: 'deleted',
  ...over,
});

describe('rtcSessionRecord', () => {
  it('records a viewer session: bytes sent, duration, stream, and the viewer facts the edge sent', () => {
    const r = rtcSessionRecord(
      facts({
        viewer: { country: 'de', region: 'BE', viewer: 'hash', sessionId: 'sid', tenant: 'acme', asn: 3320 },
      }),
    );
    expect(r).toMatchObject({
      ts: T0,
      tier: 'rtc',
      protocol: 'webrtc',
      role: 'viewer',
      stream: 'live',
      contentId: 'live',
      path: '/whep/live',
      bytes: 9_000_000,
      receivedBytes: 20_000,
      durationMs: 120_000,
      country: 'DE',
      region: 'BE',
      viewer: 'hash',
      sessionId: 'sid',
      tenant: 'acme',
      asn: 3320,
      status: 200,
    });
    expect(r.aborted).toBeUndefined();
  });

  it("falls back to the media server's session id when the token carried no sid", () => {
    expect(rtcSessionRecord(facts()).sessionId).toBe('AAAAAAAAAAAAAAAAAAAAAAAA');
  });

  it('marks a session the peer dropped as aborted (499), like an HLS client gone mid-body', () => {
    const r = rtcSessionRecord(facts({ ended: 'disconnected' }));
    expect(r.status).toBe(499);
    expect(r.aborted).toBe(true);
  });

  it('records a publisher with its ingest as receivedBytes', () => {
    const r = rtcSessionRecord(facts({ kind: 'whip', bytesSent: 5_000, bytesReceived: 7_000_000 }));
    expect(r).toMatchObject({
      role: 'publisher',
      path: '/whip/live',
      bytes: 5_000,
      receivedBytes: 7_000_000,
    });
  });

  it('survives the NDJSON round trip the finance CLI reads', () => {
    const r = rtcSessionRecord(facts({ viewer: { country: 'US', tenant: 't' } }));
    expect(parseLedgerLine(JSON.stringify(r))).toEqual(r);
  });
});

describe('summarizeWebRtc beside the HLS report', () => {
  const hls = buildEgressRecord({
    ts: T0,
    tier: 'edge',
    status: 200,
    cacheStatus: 'HIT',
    bytes: 1e9,
    headerBytes: 0,
    path: '/vod/ts/720p/s.ts',
    originBytes: 0,
    durationMs: 1,
  });
  const ledger = [
    hls,
    rtcSessionRecord(facts({ bytesSent: 2e9 })),
    rtcSessionRecord(
      facts({ session: 'B'.repeat(24), endedAt: T0 + 60_000, bytesSent: 1e9, ended: 'failed' }),
    ),
    rtcSessionRecord(facts({ stream: 'cam', bytesSent: 1e9 })),
    rtcSessionRecord(facts({ kind: 'whip', stream: 'cam', bytesSent: 0, bytesReceived: 5e8 })),
  ];

  it('reports viewer sessions, viewer-minutes, bytes to viewers and publisher ingest per stream', () => {
    const s = summarizeWebRtc(ledger, FLAT);
    expect(s.totals).toMatchObject({
      viewerSessions: 3,
      publisherSessions: 1,
      viewerMinutes: 5,
      bytes: 4e9,
      receivedBytes: 5e8,
      dropped: 1,
    });
    expect(s.byStream.map((r) => [r.key, r.viewerSessions, r.bytes])).toEqual([
      ['live', 2, 3e9],
      ['cam', 1, 1e9],
    ]);
    expect(s.totals.cost).toBeCloseTo(0.04, 10); // flat: $0.01 per 1e9 bytes
  });

  it('keeps WebRTC sessions out of the HLS requests, hit ratio and delivered bytes', () => {
    const report = aggregate(ledger, FLAT, { by: ['tier'] });
    expect(report.viewerTotals.requests).toBe(1);
    expect(report.deliveredBytes).toBe(1e9);
    expect(report.breakdowns.tier?.map((r) => r.key)).toEqual(['edge']);
  });
});
