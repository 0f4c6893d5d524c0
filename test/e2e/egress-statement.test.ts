/**
 * A tenant's monthly statement as finance runs it (`node scripts/egress/main.ts statement …`), on a
 * small ledger priced by hand (flat preset: $0.01 per 1e9 bytes): only that tenant's edge records of
 * that UTC month count; CSV and HTML say the same amount.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { humanBytes } from '../../scripts/egress/render-table.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import { rtcLedgerRecord } from '../fixtures/rtc-record.ts';

const GB = 1_000_000_000;
const DEC = Date.UTC(2026, 11, 10, 12);
const base = {
  tier: 'edge',
  status: 200,
  cacheStatus: 'HIT',
  headerBytes: 300,
  originBytes: 0,
  durationMs: 5,
};
const LEDGER = [
  {
    ...base,
    ts: DEC,
    bytes: 2 * GB,
    country: 'DE',
    path: '/acme/show/seg_1.ts',
    tenant: 'acme',
    asn: 3320,
    asOrganization: 'DTAG',
  },
  {
    ...base,
    ts: DEC + 86_400_000,
    bytes: 3 * GB,
    country: 'BR',
    path: '/acme/show/seg_2.ts',
    tenant: 'acme',
    asn: 28573,
  },
  // Not acme's, not December, not the edge: none of these are on acme's December statement.
  { ...base, ts: DEC, bytes: 7 * GB, country: 'DE', path: '/beta/x/seg_1.ts', tenant: 'beta' },
  {
    ...base,
    ts: Date.UTC(2027, 0, 1),
    bytes: 11 * GB,
    country: 'DE',
    path: '/acme/show/seg_3.ts',
    tenant: 'acme',
  },
  {
    ...base,
    tier: 'shield',
    ts: DEC,
    bytes: 13 * GB,
    country: 'DE',
    path: '/acme/show/seg_1.ts',
    tenant: 'acme',
  },
];
const dir = mkdtempSync(join(tmpdir(), 'edgeshield-statement-'));
const ledger = join(dir, 'ledger.ndjson');
writeFileSync(ledger, `${LEDGER.map((r) => JSON.stringify(r)).join('\n')}\n`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function statement(...args: string[]) {
  return spawnSync(process.execPath, ['scripts/egress/main.ts', 'statement', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
}

/** acme's December statement on the flat preset. */
const acmeDecember = (...args: string[]) =>
  statement('--from', ledger, '--tenant', 'acme', '--month', '2026-12', '--prices', 'flat', ...args);

describe('npm run egress -- statement', () => {
  it("bills a tenant's edge bytes of one UTC month, by region, day and network (CSV)", () => {
    const run = acmeDecember('--format', 'csv');
    expect(run.status, run.stderr).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(rows[0]).toEqual([
      'tenant',
      'month',
      'section',
      'key',
      'requests',
      'bytes',
      'gb',
      'cost',
      'currency',
      'viewer_minutes',
    ]);
    expect(rows[1]).toEqual([
      'acme',
      '2026-12',
      'total',
      'total',
      '2',
      String(5 * GB),
      '5.000000',
      '0.050000',
      'USD',
      '',
    ]);
    const keys = (section: string) => rows.filter((r) => r[2] === section).map((r) => [r[3], r[5]]);
    expect(keys('day')).toEqual([
      ['2026-12-10', String(2 * GB)],
      ['2026-12-11', String(3 * GB)],
    ]);
    expect(keys('network')).toEqual([
      ['AS28573', String(3 * GB)],
      ['AS3320 DTAG', String(2 * GB)],
    ]);
  });

  it('writes a printable HTML page with the same amount and the period', () => {
    const out = join(dir, 'acme.html');
    const run = acmeDecember('--out', out);
    expect(run.status, run.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<p class="amount">0.05 USD</p>');
    expect(html).toContain('Period 2026-12-01 to 2027-01-01');
  });

  it('exits 64 without a month and 0 for --help', () => {
    expect(statement('--from', ledger, '--tenant', 'acme').status).toBe(64);
    expect(statement('--month', '2026-13', '--from', ledger, '--tenant', 'acme').status).toBe(64);
    expect(statement('--help').status).toBe(0);
  });
});

describe('npm run egress -- statement with WebRTC sessions', () => {
  const rtc = (over: Record<string, unknown>) =>
    rtcLedgerRecord(DEC, {
      role: 'viewer',
      stream: 'match',
      path: '/whep/match',
      contentId: 'match',
      country: 'DE',
      tenant: 'acme',
      ...over,
    });
  const mixed = join(dir, 'mixed.ndjson');
  writeFileSync(
    mixed,
    `${[
      ...LEDGER,
      rtc({ bytes: 2 * GB, durationMs: 240_000, sessionId: 'w1' }),
      rtc({ bytes: GB, durationMs: 60_000, sessionId: 'w2', aborted: true, status: 499 }),
      // The publisher's 6 GB of ingest is not billed, nor are its 10 minutes viewer-minutes.
      rtc({
        role: 'publisher',
        path: '/whip/match',
        bytes: 0,
        receivedBytes: 6 * GB,
        durationMs: 600_000,
      }),
      rtc({ tenant: 'beta', bytes: 9 * GB, durationMs: 60_000 }),
      rtc({ ts: Date.UTC(2027, 0, 2), bytes: 9 * GB, durationMs: 60_000 }),
    ]
      .map((r) => JSON.stringify(r))
      .join('\n')}\n`,
  );
  const run = (...args: string[]) =>
    statement('--from', mixed, '--tenant', 'acme', '--month', '2026-12', '--prices', 'flat', ...args);

  it("puts the tenant's WebRTC viewer-minutes and bytes on the statement, priced, and the total adds up", () => {
    const csv = run('--format', 'csv');
    expect(csv.status, csv.stderr).toBe(0);
    const rows = csv.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const pick = (section: string) =>
      rows.filter((r) => r[2] === section).map((r) => [r[3], r[4], r[5], r[7], r[9]]);
    // HLS 5 GB ($0.05) + WebRTC 3 GB to viewers ($0.03) = 8 GB, $0.08; 2 requests + 3 sessions.
    expect(pick('total')).toEqual([['total', '5', String(8 * GB), '0.080000', '']]);
    expect(pick('protocol')).toEqual([
      ['hls', '2', String(5 * GB), '0.050000', ''],
      // (240 s + 60 s) / 60 = 5 viewer-minutes.
      ['webrtc', '3', String(3 * GB), '0.030000', '5.000000'],
    ]);
    expect(pick('webrtc_stream')).toEqual([['match', '3', String(3 * GB), '0.030000', '5.000000']]);
    // The HLS breakdowns still add up to the HLS line.
    const regionBytes = rows.filter((r) => r[2] === 'region').reduce((n, r) => n + Number(r[5]), 0);
    expect(regionBytes).toBe(5 * GB);

    const out = join(dir, 'acme-mixed.html');
    expect(run('--out', out).status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<p class="amount">0.08 USD</p>');
    expect(html).toContain('WebRTC: 2 viewer sessions, 5.00 viewer-minutes, 3000000000 bytes (3.000 GB)');
    expect(html).toMatch(/<h2>WebRTC by stream<\/h2>.*<td>match<\/td><td>2<\/td><td>5\.00<\/td><td>1<\/td>/s);
  });
});

describe('npm run egress -- report, as finance runs it', () => {
  function report(...args: string[]) {
    return spawnSync(process.execPath, ['scripts/egress/main.ts', 'report', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
  }

  it('exits 0 for --help with the usage on stdout', () => {
    const run = report('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--since TIME');
  });

  it('keeps only the records of --since … --until (exclusive)', () => {
    const run = report(
      '--from',
      ledger,
      '--prices',
      'flat',
      '--format',
      'csv',
      '--since',
      '2026-12-01',
      '--until',
      '2026-12-11',
    );
    expect(run.status, run.stderr).toBe(0);
    // Only the 10 December edge records: acme's 2 GB and beta's 7 GB (the shield's 13 GB is not viewer-facing).
    expect(run.stdout.split('\n')[1]?.split(',').slice(0, 6)).toEqual([
      'total',
      'all',
      '2',
      '2',
      '1.0000',
      String(9 * GB),
    ]);
  });

  it('leads the table with the bytes viewers received, not the sum over tiers', () => {
    const run = report(
      '--from',
      ledger,
      '--prices',
      'flat',
      '--since',
      '2026-12-01',
      '--until',
      '2026-12-11',
    );
    const lines = run.stdout.split('\n');
    expect(lines[1]).toBe('delivered to viewers 9.00 GB in 2 requests, cost 0.090000 USD');
    expect(run.stdout).toContain('all tiers (see by tier): 3 requests, 22.00 GB');
  });

  it('states the same packager bytes and origin bytes saved in the table, the CSV and the HTML', () => {
    // Three tiers: viewers got 10 GB from the edge, the shield sent it 4 GB, the packager sent 3 GB.
    const tiers = join(dir, 'tiers.ndjson');
    const rec = (tier: string, bytes: number, originBytes: number, cacheStatus: string) =>
      JSON.stringify({
        ...base,
        tier,
        ts: DEC,
        bytes,
        originBytes,
        cacheStatus,
        country: 'DE',
        path: '/t/seg_1.ts',
      });
    writeFileSync(
      tiers,
      `${[
        rec('edge', 6 * GB, 0, 'HIT'),
        rec('edge', 4 * GB, 4 * GB, 'MISS'),
        rec('shield', 1 * GB, 0, 'HIT'),
        rec('shield', 3 * GB, 3 * GB, 'MISS'),
        rec('origin', 3 * GB, 3 * GB, 'NONE'),
      ].join('\n')}\n`,
    );
    const run = (format: string) => report('--from', tiers, '--prices', 'flat', '--format', format);
    const csv = run('csv');
    expect(csv.status, csv.stderr).toBe(0);
    const [header = '', total = ''] = csv.stdout.split('\n');
    const column = (name: string) => Number(total.split(',')[header.split(',').indexOf(name)]);
    const fetched = column('origin_bytes');
    const saved = column('origin_bytes_saved');
    expect(fetched).toBe(3 * GB);
    expect(saved).toBe(7 * GB);
    expect(run('table').stdout).toContain(
      `fetched from packager ${humanBytes(fetched)}, origin bytes saved ${humanBytes(saved)}`,
    );
    expect(run('html').stdout).toContain(`${humanBytes(fetched)} / ${humanBytes(saved)}`);
  });
});
