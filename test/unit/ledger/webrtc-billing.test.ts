/**
 * WebRTC in the numbers finance bills: the report's CSV rows and a tenant's monthly statement, both
 * priced by webrtc-summary.ts (one pricing path). Flat preset: $0.01 per 1e9 bytes, so every amount
 * below is checkable by hand.
 */
import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../../scripts/egress/render-csv.ts';
import { renderStatementCsv } from '../../../scripts/egress/render-statement.ts';
import { aggregate } from '../../../src/core/ledger/aggregate.ts';
import { CLOUDFRONT_ON_DEMAND } from '../../../src/core/ledger/prices/cloudfront-on-demand.ts';
import { FLAT } from '../../../src/core/ledger/prices/flat.ts';
import { priceBytes } from '../../../src/core/ledger/pricing.ts';
import { buildEgressRecord, type EgressRecord } from '../../../src/core/ledger/record.ts';
import { buildStatement, type Statement } from '../../../src/core/ledger/statement.ts';
import { summarizeWebRtc } from '../../../src/core/ledger/webrtc-summary.ts';
import { type RtcSessionFacts, rtcSessionRecord } from '../../../src/core/webrtc/session-record.ts';

const GB = 1e9;
const DEC = Date.UTC(2026, 11, 10, 12);

const hls = (bytes: number, country: string, tenant = 'acme', ts = DEC) =>
  buildEgressRecord({
    ts,
    tier: 'edge',
    status: 200,
    cacheStatus: 'HIT',
    bytes,
    headerBytes: 0,
    path: '/acme/show/seg_1.ts',
    originBytes: 0,
    durationMs: 5,
    geo: { country },
    tenant,
  });

const rtc = (over: Partial<RtcSessionFacts> & { tenant?: string }) => {
  const { tenant = 'acme', ...facts } = over;
  return rtcSessionRecord({
    kind: 'whep',
    stream: 'live',
    session: 'A'.repeat(24),
    startedAt: DEC,
    endedAt: DEC + 60_000,
    bytesSent: GB,
    bytesReceived: 1_000,
    viewer: { country: 'DE', tenant },
    ended: 'deleted',
    ...facts,
  });
};

/** acme, December: 5 GB of HLS; WebRTC: 2 viewers (90 s + 30 s), one publisher (10 min). */
const LEDGER: EgressRecord[] = [
  hls(2 * GB, 'DE'),
  hls(3 * GB, 'BR'),
  rtc({ endedAt: DEC + 90_000, bytesSent: 2 * GB }),
  rtc({ session: 'B'.repeat(24), endedAt: DEC + 30_000, ended: 'disconnected' }),
  // The publisher's 4 GB of ingest is not egress; the 1 MB of RTCP feedback sent back to it is.
  rtc({ kind: 'whip', stream: 'cam', endedAt: DEC + 600_000, bytesSent: 1e6, bytesReceived: 4 * GB }),
  // Not on acme's December statement: another tenant's session, and acme's in January.
  hls(7 * GB, 'DE', 'beta'),
  rtc({ tenant: 'beta', bytesSent: 5 * GB }),
  rtc({ startedAt: Date.UTC(2027, 0, 1), endedAt: Date.UTC(2027, 0, 1) + 60_000, bytesSent: 11 * GB }),
];
const acmeDecember = LEDGER.filter((r) => r.tenant === 'acme' && r.ts < Date.UTC(2027, 0, 1));

describe('summarizeWebRtc: what is billed', () => {
  const s = summarizeWebRtc(acmeDecember, FLAT);

  it('counts viewer-minutes from viewer sessions only, and bills bytes sent, never ingest', () => {
    expect(s.totals.viewerMinutes).toBe((90_000 + 30_000) / 60_000);
    expect(s.totals).toMatchObject({ bytes: 3 * GB, publisherBytes: 1e6, receivedBytes: 4 * GB });
    expect(s.totals.cost).toBeCloseTo(((3 * GB + 1e6) / GB) * 0.01, 12);
  });

  it('splits the total between viewers and publishers', () => {
    expect(s.byRole.map((r) => [r.key, r.viewerSessions, r.publisherSessions])).toEqual([
      ['viewer', 2, 0],
      ['publisher', 0, 1],
    ]);
    expect(s.byRole[0]?.cost).toBeCloseTo(0.03, 12);
    expect(s.byRole[1]?.cost).toBeCloseTo(0.00001, 12);
    expect((s.byRole[0]?.cost ?? 0) + (s.byRole[1]?.cost ?? 0)).toBeCloseTo(s.totals.cost, 12);
  });
});

describe('report CSV with WebRTC rows', () => {
  const report = aggregate(acmeDecember, FLAT, { by: ['tier', 'region'] });
  const csv = renderCsv(report, summarizeWebRtc(acmeDecember, FLAT));
  const rows = csv.trim().split('\n');
  const cells = (dimension: string, key: string) =>
    rows.find((l) => l.startsWith(`${dimension},${key},`))?.split(',') ?? [];

  it('leaves every HLS row as it was and adds WebRTC rows after them, in the same columns', () => {
    const hlsOnly = renderCsv(report);
    expect(csv.startsWith(hlsOnly)).toBe(true);
    expect(rows.slice(hlsOnly.trim().split('\n').length).map((l) => l.split(',').slice(0, 2))).toEqual([
      ['webrtc_total', 'all'],
      ['webrtc_role', 'viewer'],
      ['webrtc_role', 'publisher'],
      ['webrtc_stream', 'live'],
      ['webrtc_stream', 'cam'],
    ]);
    for (const row of rows) expect(row.split(',')).toHaveLength(14);
    // The HLS total is still HLS only: 2 requests, 5 GB, $0.05.
    expect(cells('total', 'all').slice(2, 10)).toEqual([
      '2',
      '2',
      '1.0000',
      String(5 * GB),
      '0',
      '1.0000',
      String(5 * GB),
      '0.050000',
    ]);
  });

  it('states sessions, billed bytes, ingest, cost and viewer-hours a finance user can recompute', () => {
    // 3 sessions; 3 GB to viewers + 1 MB RTCP to the publisher; 4 GB ingest; 2 viewers, 2 min.
    expect(cells('webrtc_total', 'all')).toEqual([
      'webrtc_total',
      'all',
      '3',
      '',
      '',
      '3001000000',
      String(4 * GB),
      '',
      '',
      '0.030010',
      'USD',
      '2',
      (2 / 60).toFixed(6),
      (0.03001 / (2 / 60)).toFixed(6),
    ]);
    expect(cells('webrtc_role', 'viewer').slice(2, 10)).toEqual([
      '2',
      '',
      '',
      String(3 * GB),
      '0',
      '',
      '',
      '0.030000',
    ]);
    expect(cells('webrtc_stream', 'cam').slice(2, 10)).toEqual([
      '1',
      '',
      '',
      '1000000',
      String(4 * GB),
      '',
      '',
      '0.000010',
    ]);
  });
});

describe('statement with WebRTC', () => {
  const built = buildStatement(LEDGER, FLAT, { tenant: 'acme', month: '2026-12' });
  if (!built.ok) throw new Error(built.error);
  const s: Statement = built.value;

  it("bills only the tenant's sessions of that month, beside its HLS, and the total adds up", () => {
    expect(s.hls).toMatchObject({ requests: 2, bytes: 5 * GB });
    expect(s.webrtc).toMatchObject({
      requests: 3,
      viewerSessions: 2,
      publisherSessions: 1,
      viewerMinutes: 2,
      bytes: 3 * GB + 1e6,
      receivedBytes: 4 * GB,
    });
    expect(s.webrtc.cost).toBeCloseTo(0.03001, 12);
    expect(s.total).toMatchObject({ requests: 5, bytes: 8 * GB + 1e6 });
    expect(s.total.cost).toBeCloseTo(0.08001, 12);
    const sum = (lines: readonly { bytes: number; cost: number; requests: number }[]) =>
      lines.reduce(
        (a, l) => ({ bytes: a.bytes + l.bytes, cost: a.cost + l.cost, requests: a.requests + l.requests }),
        {
          bytes: 0,
          cost: 0,
          requests: 0,
        },
      );
    expect(s.byProtocol.map((l) => l.key)).toEqual(['hls', 'webrtc']);
    expect(sum(s.byProtocol).bytes).toBe(s.total.bytes);
    expect(sum(s.byProtocol).cost).toBeCloseTo(s.total.cost, 12);
    expect(sum(s.byRegion).bytes).toBe(s.hls.bytes);
    expect(sum(s.webrtcByStream).bytes).toBe(s.webrtc.bytes);
    expect(sum(s.webrtcByStream).cost).toBeCloseTo(s.webrtc.cost, 12);
  });

  it('prices WebRTC exactly as the report does, in its own volume tiers (CloudFront preset)', () => {
    const cf = buildStatement(LEDGER, CLOUDFRONT_ON_DEMAND, { tenant: 'acme', month: '2026-12' });
    if (!cf.ok) throw new Error(cf.error);
    expect(cf.value.webrtc.cost).toBe(summarizeWebRtc(acmeDecember, CLOUDFRONT_ON_DEMAND).totals.cost);
    expect(cf.value.webrtc.cost).toBeCloseTo(priceBytes(CLOUDFRONT_ON_DEMAND, 'europe', 3 * GB + 1e6), 12);
  });

  it('shows zero WebRTC, not nothing, for a tenant without sessions', () => {
    const beta = buildStatement(
      LEDGER.filter((r) => r.tier !== 'rtc'),
      FLAT,
      { tenant: 'beta', month: '2026-12' },
    );
    if (!beta.ok) throw new Error(beta.error);
    expect(beta.value.webrtc).toMatchObject({ requests: 0, bytes: 0, cost: 0, viewerMinutes: 0 });
    expect(beta.value.total).toMatchObject({ requests: 1, bytes: 7 * GB });
  });

  it('writes protocol rows that sum to the total and viewer-minutes on WebRTC rows (CSV)', () => {
    const rows = renderStatementCsv(s)
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(rows[0]?.at(-1)).toBe('viewer_minutes');
    for (const row of rows) expect(row).toHaveLength(10);
    expect(rows.slice(1, 4).map((r) => [r[2], r[3], r[4], r[5], r[7], r[9]])).toEqual([
      ['total', 'total', '5', String(8 * GB + 1e6), '0.080010', ''],
      ['protocol', 'hls', '2', String(5 * GB), '0.050000', ''],
      ['protocol', 'webrtc', '3', String(3 * GB + 1e6), '0.030010', '2.000000'],
    ]);
    expect(rows.filter((r) => r[2] === 'webrtc_stream').map((r) => [r[3], r[4], r[9]])).toEqual([
      ['live', '2', '2.000000'],
      ['cam', '1', '0.000000'],
    ]);
  });
});
