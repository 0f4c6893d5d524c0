import { describe, expect, it } from 'vitest';
import { type BenchReport, bestNginx, evaluateGoals, type Measured } from '../../../bench/shield/report.ts';

const hit = (rps: number) => ({
  rps,
  samples: [rps],
  serverCores: 1,
  serverCpuUsPerReq: 1,
  loadgenCores: 0.5,
  loadgenCpuUsPerReq: 1,
  clientBound: false,
});

const report = (measured: Measured[]): BenchReport => ({
  at: '2026-11-26T00:00:00Z',
  durationMs: 3000,
  rounds: 1,
  connections: 50,
  loadGenerator: 'wrk',
  loadavg: [0, 0, 0],
  clients: 500,
  notes: [],
  measured,
  rss: undefined,
});

describe('shield bench goals', () => {
  it('judges hit throughput against the faster nginx configuration', () => {
    const r = report([
      { name: 'shield', hit1mb: hit(3400), hit2kb: hit(90_000) },
      { name: 'nginx', hit1mb: hit(3000), hit2kb: hit(110_000) },
      { name: 'nginx-sendfile-off', hit1mb: hit(3500), hit2kb: hit(100_000) },
    ]);
    expect(bestNginx(r, 'hit1mb')).toBe(3500);
    const [mb, kb] = evaluateGoals(r);
    expect(mb).toMatchObject({ pass: false });
    expect(mb?.value).toBeCloseTo(3400 / 3500, 9);
    expect(kb).toMatchObject({ pass: true });
    expect(kb?.value).toBeCloseTo(90_000 / 110_000, 9);
  });

  it('leaves the nginx goals n/a without an nginx column, and never fails them', () => {
    const [mb] = evaluateGoals(report([{ name: 'shield', hit1mb: hit(3400) }]));
    expect(mb).toMatchObject({ pass: undefined, why: 'no nginx column' });
  });
});
