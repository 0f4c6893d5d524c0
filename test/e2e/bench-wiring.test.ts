/**
 * Bench wiring: one tiny scenario through the real stack (packager → counting proxy → shield →
 * wrangler dev) proves the runner, player, metrics, summary.json and report.html fit together.
 * Asserts structure and non-zero counts only — never timings (benchmarks are not tests).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run.ts';
import { vodZipf } from '../../bench/scenarios/vod-zipf.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

describe.skipIf(!ffmpegAvailable)('bench wiring', () => {
  const out = mkdtempSync(join(tmpdir(), 'edgeshield-bench-wiring-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs vod-zipf briefly against the local stack and writes a k6-shaped summary and an HTML report', async () => {
    const { summary, summaryPath, reportPath } = await runBench({
      scenario: vodZipf,
      out,
      duration: '4s',
      vus: 2,
      privateStack: true, // the counting proxy, even when `npm start` runs alongside
    });
    const written = JSON.parse(readFileSync(summaryPath, 'utf8')) as typeof summary;
    expect(written.root_group.checks).toBeTypeOf('object');
    expect(written.metrics.http_reqs?.count).toBeGreaterThan(0);
    expect(Object.keys(written.metrics.http_req_duration ?? {})).toEqual(
      expect.arrayContaining(['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']),
    );
    const edge = written.edgeshield.analyses.find((a) => a.target === 'edge');
    expect(edge?.originSource).toBe('counting-proxy');
    expect(edge?.tiers.edge.requests).toBeGreaterThan(0);
    expect(edge?.tiers.origin.requests).toBeGreaterThan(0);
    expect(edge?.originRequestsPerObject.segment?.objects).toBeGreaterThan(0);
    expect(written.edgeshield.thresholds.map((t) => t.metric)).toContain('hit_ratio_vs_ideal');
    expect(written.edgeshield.extras).toHaveProperty('ideal');
    expect(existsSync(reportPath)).toBe(true);
    const html = readFileSync(reportPath, 'utf8');
    expect(html).toContain('new Chart(');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});
