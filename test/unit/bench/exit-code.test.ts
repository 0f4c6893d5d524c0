/**
 * k6's exit contract: a run whose threshold fails maps to exit code 99, a passing run to 0. Built
 * through buildResults (the same path `npm run bench` takes), from a synthetic run: no services.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_THRESHOLDS_FAILED, exitCodeFor } from '../../../bench/exit-code.ts';
import { createMetricStore } from '../../../bench/lib/metrics.ts';
import { buildResults } from '../../../bench/results.ts';
import type { RunResult } from '../../../bench/runner.ts';
import type { Scenario } from '../../../bench/scenario.ts';

function scenarioWith(thresholds: Record<string, readonly string[]>): Scenario {
  return {
    name: 'synthetic',
    description: 'exit-code test',
    options: { scenarios: { one: { executor: 'constant-vus', vus: 1, duration: '1s' } }, thresholds },
    exec: { default: async () => undefined },
  };
}

/** Ten requests, three of them failed (status 503); with `edgeMs`, each took that long at the edge. */
function run(edgeMs?: number): RunResult {
  const metrics = createMetricStore();
  metrics.define('http_reqs', 'counter');
  metrics.define('http_req_failed', 'rate');
  if (edgeMs !== undefined) metrics.define('http_req_duration', 'trend', true);
  for (let i = 0; i < 10; i++) {
    if (edgeMs !== undefined) metrics.add('http_req_duration', edgeMs, { tier: 'edge' });
    metrics.add('http_reqs', 1, { status: i < 3 ? '503' : '200' });
    metrics.add('http_req_failed', i < 3 ? 1 : 0, {});
  }
  return { metrics, records: [], checks: new Map(), durationSec: 1, notes: [] };
}

const results = (thresholds: Record<string, readonly string[]>, strictLatency = false, edgeMs?: number) =>
  buildResults({
    scenario: scenarioWith(thresholds),
    run: run(edgeMs),
    originCounts: {},
    startedAt: '2026-01-01T00:00:00.000Z',
    seed: 1,
    notes: [],
    strictLatency,
  });

describe('bench exit code', () => {
  it('is 99 when a threshold fails', () => {
    const summary = results({ http_req_failed: ['rate<0.01'] });
    expect(summary.edgeshield.passed).toBe(false);
    expect(exitCodeFor(summary)).toBe(EXIT_THRESHOLDS_FAILED);
    expect(EXIT_THRESHOLDS_FAILED).toBe(99);
  });

  it('is 99 when only one of several thresholds fails', () => {
    const summary = results({ http_reqs: ['count==10'], http_req_failed: ['rate<0.2'] });
    expect(summary.edgeshield.thresholds.map((t) => t.ok)).toEqual([true, false]);
    expect(exitCodeFor(summary)).toBe(99);
  });

  it('is 0 when every threshold passes', () => {
    const summary = results({ http_reqs: ['count==10'], http_req_failed: ['rate<0.5'] });
    expect(exitCodeFor(summary)).toBe(0);
  });

  it('is 99 for a threshold on a metric that never got a sample (as k6: no data, no pass)', () => {
    expect(exitCodeFor(results({ http_req_duration: ['p(95)<50'] }, true))).toBe(99);
  });

  it('is 0 when only a dev-server latency threshold is crossed, and labels it advisory', () => {
    const summary = results(
      { http_reqs: ['count==10'], 'http_req_duration{tier:edge}': ['p(95)<50'] },
      false,
      320,
    );
    const latency = summary.edgeshield.thresholds.find((t) => t.metric === 'http_req_duration{tier:edge}');
    expect(latency).toMatchObject({ ok: false, actual: 320 });
    expect(latency?.advisory).toMatch(/local dev server/);
    expect(summary.edgeshield.passed).toBe(true);
    expect(exitCodeFor(summary)).toBe(0);
  });

  it('is 99 when the latency threshold is crossed under --strict-latency', () => {
    const summary = results({ 'http_req_duration{tier:edge}': ['p(95)<50'] }, true, 320);
    expect(summary.edgeshield.thresholds[0]?.advisory).toBeUndefined();
    expect(exitCodeFor(summary)).toBe(99);
  });

  it('never makes a hit-ratio or error threshold advisory', () => {
    const summary = results(
      { http_req_failed: ['rate<0.01'], 'http_req_duration{tier:edge}': ['p(95)<50'] },
      false,
      320,
    );
    expect(
      summary.edgeshield.thresholds.find((t) => t.metric === 'http_req_failed')?.advisory,
    ).toBeUndefined();
    expect(exitCodeFor(summary)).toBe(99);
  });
});
