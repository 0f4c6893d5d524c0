import { describe, expect, it } from 'vitest';
import type { HitStats, Measured } from '../../../bench/shield/report.ts';
import {
  evaluateProductionGoals,
  type ProcessMemory,
  type ProductionReport,
  renderProductionMarkdown,
} from '../../../bench/shield/report-production.ts';

const hit = (rps: number, cpuUs: number): HitStats => ({
  rps,
  samples: [rps],
  serverCores: 1,
  serverCpuUsPerReq: cpuUs,
  loadgenCores: 0.5,
  loadgenCpuUsPerReq: 1,
  clientBound: false,
});

const storm = (upstreamRequests: number, ownTtlbP50: number): NonNullable<Measured['missStorm']> => ({
  upstreamRequests,
  ok: 500,
  ttfbP50: 0,
  ttlbP50: ownTtlbP50,
  ownTtfbP50: 0,
  ownTtlbP50,
  sentAtP50: 0,
  originFillMs: 700,
  cache: {},
});

const mem = (rssMb: number, privateMb: number, pssMb: number): ProcessMemory => ({ rssMb, privateMb, pssMb });

const production = (over: Partial<ProductionReport> = {}): ProductionReport => ({
  cores: 2,
  loadGenerator: 'wrk 4.1.0 -t2 -c64 -d3s',
  shieldWorkers: 2,
  hit1mb: { shield: hit(3400, 300), nginx: hit(3000, 280) },
  hit2kb: { shield: hit(99_000, 20), nginx: hit(100_000, 18) },
  storm: { clients: 500, shield: storm(1, 900), varnish: storm(1, 1000) },
  rss: [
    { pid: 1, role: 'primary', idle: mem(90, 40, 50), afterHits: mem(95, 42, 52) },
    { pid: 2, role: 'worker', idle: mem(60, 20, 35), afterHits: mem(70, 28, 44) },
    { pid: 3, role: 'worker', idle: mem(63, 22, 37), afterHits: mem(72, 30, 46) },
  ],
  notes: [],
  ...over,
});

const verdict = (p: ProductionReport, start: string) =>
  evaluateProductionGoals(p).find((g) => g.goal.startsWith(start));

describe('shield bench production goals (issue 12)', () => {
  it('judges hits against nginx auto: ≥ 1.0× passes, just under fails', () => {
    const p = production();
    expect(verdict(p, '1 MB hit ≥')).toMatchObject({ pass: true });
    expect(verdict(p, '1 MB hit ≥')?.value).toBeCloseTo(3400 / 3000, 9);
    expect(verdict(p, '2 KB hit ≥')).toMatchObject({ pass: false });
  });

  it('fails CPU per request above 1.1× nginx and passes at or under it', () => {
    const p = production({ hit2kb: { shield: hit(100_000, 19.9), nginx: hit(100_000, 18) } });
    expect(verdict(p, '1 MB hit: server CPU')).toMatchObject({ pass: true });
    expect(verdict(p, '2 KB hit: server CPU')).toMatchObject({ pass: false });
  });

  it('judges CPU per request at the equal pace when it ran, and says at which rate', () => {
    // Saturated: the shield served more and paid more contention (1.4×); at one offered rate it is 1.05×.
    const p = production({
      hit1mb: { shield: hit(3400, 420), nginx: hit(3000, 300) },
      paced: {
        hit1mb: { offeredRps: 1600, delayMs: 40, pair: { shield: hit(1590, 315), nginx: hit(1590, 300) } },
      },
    });
    expect(verdict(p, '1 MB hit: server CPU')).toMatchObject({
      goal: '1 MB hit: server CPU per request ≤ 1.1× nginx (auto), both offered 1600 req/s',
      pass: true,
    });
    expect(verdict(p, '1 MB hit: server CPU')?.value).toBeCloseTo(1.05, 9);
    expect(verdict(p, '2 KB hit: server CPU')?.goal).toMatch(/at saturation$/);
    expect(renderProductionMarkdown(p)).toContain(
      "| 1 MB hit at an equal pace (1600 req/s offered, 40 ms between a connection's requests), server CPU µs/request | 315.0 | 300.0 | 1.050× |",
    );
  });

  it('judges the storm on TTLB vs Varnish and on exactly one packager request', () => {
    expect(verdict(production(), '1 MB × 500 miss storm: waiter')).toMatchObject({ pass: true });
    const slow = production({ storm: { clients: 500, shield: storm(2, 1310), varnish: storm(1, 1000) } });
    expect(verdict(slow, '1 MB × 500 miss storm: waiter')?.value).toBeCloseTo(1.31, 9);
    expect(verdict(slow, '1 MB × 500 miss storm: waiter')).toMatchObject({ pass: false });
    expect(verdict(slow, '1 MB × 500 miss storm: exactly')).toMatchObject({ value: 2, pass: false });
  });

  it('judges idle RSS on the largest worker, not the primary', () => {
    expect(verdict(production(), 'idle RSS')).toMatchObject({ value: 63, kind: 'mib', pass: true });
    const heavy = production({
      rss: [{ pid: 2, role: 'worker', idle: mem(65, 20, 36), afterHits: mem(70, 25, 40) }],
    });
    expect(verdict(heavy, 'idle RSS')).toMatchObject({ value: 65, pass: false });
  });

  it('leaves the idle RSS goal n/a when no worker could be read', () => {
    const unread = production({ rss: [{ pid: 2, role: 'worker', idle: undefined, afterHits: undefined }] });
    expect(verdict(unread, 'idle RSS')).toMatchObject({ pass: undefined, why: 'not measured' });
  });

  it('renders RSS / private / PSS per process and sets the largest worker against the bound on each figure', () => {
    const md = renderProductionMarkdown(
      production({
        rss: [
          { pid: 1, role: 'primary', idle: mem(65, 16, 30), afterHits: mem(66, 17, 31) },
          { pid: 2, role: 'worker', idle: mem(75, 24, 41), afterHits: undefined },
        ],
      }),
    );
    expect(md).toContain('| 1 | primary | 65 / 16 / 30 | 66 / 17 / 31 |');
    expect(md).toContain('| 2 | worker | 75 / 24 / 41 | n/a |');
    expect(md).toContain(
      'Largest idle worker: RSS 75 MiB (over 64), private 24 MiB (within 64), PSS 41 MiB (within 64).',
    );
    expect(md).toContain('| idle RSS ≤ 64 MiB per worker (largest worker) | 75 MiB — **FAIL** |');
  });

  it('leaves goals n/a (never failed) without nginx or Varnish columns', () => {
    const p = production({
      hit1mb: { shield: hit(3400, 300) },
      storm: { clients: 500, shield: storm(1, 900) },
    });
    expect(verdict(p, '1 MB hit ≥')).toMatchObject({ pass: undefined, why: 'no nginx (auto) column' });
    expect(verdict(p, '1 MB × 500 miss storm: waiter')).toMatchObject({ pass: undefined });
  });

  it('renders PASS/FAIL lines, the TLS skip and the notes in the markdown', () => {
    const md = renderProductionMarkdown(production({ notes: ['TLS rows skipped: no TLS'] }));
    expect(md).toContain('| 1 MB hit ≥ 1.0× nginx (auto) req/s | 1.133× — PASS |');
    expect(md).toContain('| 2 KB hit ≥ 1.0× nginx (auto) req/s | 0.990× — **FAIL** |');
    expect(md).toContain('| TLS hits | skipped (see notes) | skipped | n/a |');
    expect(md).toContain('Note: TLS rows skipped: no TLS');
  });
});
