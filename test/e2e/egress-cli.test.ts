/**
 * The finance CLI as an operator runs it (`node scripts/egress/main.ts report …`), checked against
 * a small ledger whose totals were computed by hand (flat preset: $0.01 per 1e9 bytes).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import { rtcLedgerRecord } from '../fixtures/rtc-record.ts';

const T0 = Date.UTC(2026, 9, 1, 12);
const GB = 1_000_000_000;
const base = { tier: 'edge', status: 200, headerBytes: 300, durationMs: 5 };
const LEDGER = [
  // s1 in Germany: one miss and one hit of 4 s segments → 8 s watched, 2 GB, $0.02.
  {
    ...base,
    ts: T0,
    cacheStatus: 'MISS',
    bytes: GB,
    originBytes: GB,
    country: 'DE',
    path: '/vod/ts/720p/seg_00000.ts',
    sessionId: 's1',
    cmcd: { d: 4000 },
  },
  {
    ...base,
    ts: T0 + 4000,
    cacheStatus: 'HIT',
    bytes: GB,
    originBytes: 0,
    country: 'DE',
    path: '/vod/ts/720p/seg_00001.ts',
    sessionId: 's1',
    cmcd: { d: 4000 },
  },
  // s2 in Brazil: 3 GB of hits over 36 s (no CMCD durations) → $0.03.
  {
    ...base,
    ts: T0,
    cacheStatus: 'HIT',
    bytes: 3 * GB,
    originBytes: 0,
    country: 'BR',
    path: '/live/ts/360p/seg_9.ts',
    sessionId: 's2',
  },
  {
    ...base,
    ts: T0 + 36_000,
    cacheStatus: 'HIT',
    bytes: 0,
    originBytes: 0,
    country: 'BR',
    path: '/live/ts/360p/index.m3u8',
    sessionId: 's2',
  },
];
// Cloudflare Logpush line in the same file: 1 GB hit from Japan, no session.
const LOGPUSH = {
  EdgeStartTimestamp: '2026-10-01T12:00:10Z',
  EdgeResponseStatus: 200,
  EdgeResponseBytes: GB + 300,
  EdgeResponseBodyBytes: GB,
  CacheCacheStatus: 'hit',
  ClientCountry: 'jp',
  ClientRequestPath: '/vod/ts/720p/seg_00002.ts',
};

const dir = mkdtempSync(join(tmpdir(), 'edgeshield-egress-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['scripts/egress/main.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('npm run egress -- report with WebRTC sessions', () => {
  const file = join(dir, 'mixed.ndjson');
  const rtc = (over: Record<string, unknown>) =>
    rtcLedgerRecord(T0, { stream: 'live', path: '/whep/live', contentId: 'live', ...over });
  const lines = [
    LEDGER[0],
    rtc({ role: 'viewer', bytes: 2 * GB, durationMs: 90_000, sessionId: 'w1', country: 'DE' }),
    rtc({ role: 'viewer', bytes: GB, durationMs: 30_000, sessionId: 'w2', aborted: true, status: 499 }),
    rtc({
      role: 'publisher',
      stream: 'cam',
      path: '/whip/cam',
      bytes: 0,
      receivedBytes: GB,
      durationMs: 60_000,
    }),
  ];
  writeFileSync(file, `${lines.map((r) => JSON.stringify(r)).join('\n')}\n`);

  it('prints WebRTC viewer-minutes and bytes beside HLS, without counting sessions as HLS requests', () => {
    const run = cli('report', '--from', file, '--prices', 'flat');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/delivered to viewers 1\.00 GB in 1 requests/);
    expect(run.stdout).toContain(
      'webrtc: 2 viewer sessions, 2.00 viewer-minutes, 3.00 GB to viewers (1 dropped by the viewer), 1 publisher sessions, 1.00 GB ingested, cost 0.030000 USD',
    );
    const out = join(dir, 'mixed.html');
    expect(cli('report', '--from', file, '--format', 'html', '--out', out).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(
      /<h2>WebRTC \(WHEP\/WHIP sessions\)<\/h2><table>.*<td>live<\/td><td>2<\/td><td>2\.00<\/td>/s,
    );
  });

  it('adds WebRTC rows to the CSV after the unchanged HLS rows (npm run egress -- report --format csv)', () => {
    const run = cli('report', '--from', file, '--prices', 'flat', '--by', 'tier', '--format', 'csv');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = run.stdout.trim().split('\n');
    // HLS: the one 1 GB edge miss, $0.01; the rtc sessions are not HLS requests.
    expect(rows[1]).toBe(
      'total,all,1,0,0.0000,1000000000,1000000000,0.0000,0,0.010000,USD,1,0.001111,9.000000',
    );
    expect(rows.filter((r) => r.startsWith('webrtc_'))).toEqual([
      // 3 sessions; 3 GB sent to 2 viewers for 90 s + 30 s = 2 viewer-minutes; 1 GB ingested, not billed.
      'webrtc_total,all,3,,,3000000000,1000000000,,,0.030000,USD,2,0.033333,0.900000',
      'webrtc_role,viewer,2,,,3000000000,0,,,0.030000,USD,2,0.033333,0.900000',
      'webrtc_role,publisher,1,,,0,1000000000,,,0.000000,USD,0,0.000000,',
      'webrtc_stream,live,2,,,3000000000,0,,,0.030000,USD,2,0.033333,0.900000',
      'webrtc_stream,cam,1,,,0,1000000000,,,0.000000,USD,0,0.000000,',
    ]);
    for (const row of rows) expect(row.split(',')).toHaveLength(14);
  });
});

describe('npm run egress -- report', () => {
  const file = join(dir, 'ledger.ndjson');
  writeFileSync(file, `${[...LEDGER, LOGPUSH].map((r) => JSON.stringify(r)).join('\n')}\n`);

  it('writes CSV totals and breakdowns equal to the hand-computed ledger', () => {
    const run = cli(
      'report',
      '--from',
      file,
      '--prices',
      'flat',
      '--by',
      'region,session',
      '--format',
      'csv',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = run.stdout.trim().split('\n');
    // requests 5, hits 4 (0.8), 6 GB, 1 GB from upstream (offload 5/6), $0.06, 2 sessions, 44 s.
    expect(rows[1]).toBe(
      'total,all,5,4,0.8000,6000000000,1000000000,0.8333,5000000000,0.060000,USD,2,0.012222,4.909091',
    );
    expect(rows.slice(2)).toEqual([
      'region,south-america,2,2,1.0000,3000000000,0,1.0000,3000000000,0.030000,USD,1,0.010000,3.000000',
      'region,europe,2,1,0.5000,2000000000,1000000000,0.5000,1000000000,0.020000,USD,1,0.002222,9.000000',
      'region,japan,1,1,1.0000,1000000000,0,1.0000,1000000000,0.010000,USD,0,0.000000,',
      'session,s2,2,2,1.0000,3000000000,0,1.0000,3000000000,0.030000,USD,1,0.010000,3.000000',
      'session,s1,2,1,0.5000,2000000000,1000000000,0.5000,1000000000,0.020000,USD,1,0.002222,9.000000',
      'session,(none),1,1,1.0000,1000000000,0,1.0000,1000000000,0.010000,USD,0,0.000000,',
      // Equal egress: ties are ordered by key.
      'top_content,live,2,2,1.0000,3000000000,0,1.0000,3000000000,0.030000,USD,1,0.010000,3.000000',
      'top_content,vod,3,2,0.6667,3000000000,1000000000,0.6667,2000000000,0.030000,USD,1,0.002222,13.500000',
    ]);
  });

  it('prices the CloudFront preset per region: 1 GiB-based rates for DE, BR and JP', () => {
    const run = cli('report', '--from', file, '--by', 'region', '--format', 'csv');
    const cost = (key: string) =>
      run.stdout
        .split('\n')
        .find((l) => l.startsWith(`region,${key},`))
        ?.split(',')[9];
    expect(cost('europe')).toBe((((2 * GB) / 2 ** 30) * 0.085).toFixed(6));
    expect(cost('south-america')).toBe((((3 * GB) / 2 ** 30) * 0.11).toFixed(6));
    expect(cost('japan')).toBe(((GB / 2 ** 30) * 0.114).toFixed(6));
  });

  it('writes a self-contained HTML report with Chart.js inlined and the three plots', () => {
    const out = join(dir, 'report.html');
    const run = cli('report', '--from', dir, '--format', 'html', '--out', out);
    expect(run.status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).toContain('Chart.js');
    for (const id of ['timeline', 'offload', 'costRegion']) expect(html).toContain(`id="${id}"`);
  });

  it('refuses a bad custom price table, naming the key, the expectation and what it found', () => {
    const prices = join(dir, 'prices.json');
    writeFileSync(
      prices,
      JSON.stringify({
        name: 'x',
        currency: 'USD',
        bytesPerGB: 1e9,
        fallbackRegion: 'all',
        regions: { all: [{ upToGB: null, perGB: -1 }] },
      }),
    );
    const run = cli('report', '--from', file, '--prices', prices);
    expect(run.status).toBe(65);
    expect(run.stderr).toContain('regions.all[0].perGB: expected a non-negative number, got -1');
  });

  it('explains bad usage', () => {
    const run = cli('report', '--format', 'pdf');
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('--from');
    expect(run.stderr).toContain('--format: expected table, csv or html, got "pdf"');
  });
});
