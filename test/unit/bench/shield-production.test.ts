import { describe, expect, it } from 'vitest';
import type { HitStats, Measured } from '../../../bench/shield/report.ts';
import {
  evaluateProductionGoals,
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

const production = (over: Partial<ProductionReport> = {}): ProductionReport => ({
  cores: 2,
  loadGenerator: 'wrk 4.1.0 -t2 -c64 -d3s',
  shieldWorkers: 2,
  hit1mb: { shield: hit(3400, 300), nginx: hit(3000, 280) },
  hit2kb: { shield: hit(99_000, 20), nginx: hit(100_000, 18) },
  storm: { clients: 500, shield: storm(1, 900), varnish: storm(1, 1000) },
  rss: [
    { pid: 1, role: 'primary', idleMb: 90, afterHitsMb: 95 },
    { pid: 2, role: 'worker', idleMb: 60, afterHitsMb: 70 },
    { pid: 3, role: 'worker', idleMb: 63, afterHitsMb: 72 },
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

  it('judges the storm on TTLB vs Varnish and on exactly one packager request', () => {
    expect(verdict(production(), '1 MB × 500 miss storm: waiter')).toMatchObject({ pass: true });
    const slow = production({ storm: { clients: 500, shield: storm(2, 1310), varnish: storm(1, 1000) } });
    expect(verdict(slow, '1 MB × 500 miss storm: waiter')?.value).toBeCloseTo(1.31, 9);
    expect(verdict(slow, '1 MB × 500 miss storm: waiter')).toMatchObject({ pass: false });
    expect(verdict(slow, '1 MB × 500 miss storm: exactly')).toMatchObject({ value: 2, pass: false });
  });

  it('judges idle RSS on the largest worker, not the primary', () => {
    expect(verdict(production(), 'idle RSS')).toMatchObject({ value: 63, kind: 'mib', pass: true });
    const heavy = production({ rss: [{ pid: 2, role: 'worker', idleMb: 65, afterHitsMb: 70 }] });
    expect(verdict(heavy, 'idle RSS')).toMatchObject({ value: 65, pass: false });
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
