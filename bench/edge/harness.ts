/**
 * Shared harness for the edge benches: the real edge Worker in workerd (Miniflare, same bundle as
 * the edge tests) in front of a counting in-memory shield on 127.0.0.1:0. Reports ratios, not
 * timings-as-assertions. Must not use the fixed dev ports.
 */

import { type EdgeWorker, startEdgeWorker } from '../../test/edge/edge-worker.ts';
import { type CountingUpstream, startCountingUpstream } from '../../test/fixtures/counting-upstream.ts';

export interface EdgeBench {
  readonly shield: CountingUpstream;
  readonly edge: EdgeWorker;
  stop(): Promise<void>;
}

/** @example const bench = await startEdgeBench(); … await bench.stop(); */
export async function startEdgeBench(vars: Record<string, string> = {}): Promise<EdgeBench> {
  const shield = await startCountingUpstream();
  const edge = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: shield.url, ...vars });
  return {
    shield,
    edge,
    stop: async () => {
      await edge.dispose();
      await shield.close();
    },
  };
}

/** One request's outcome as the bench counts it. */
export interface Outcome {
  readonly status: number;
  readonly xCache: string;
  readonly ttfbMs: number;
  readonly totalMs: number;
  readonly bytes: number;
}

/** GETs `path` through the edge and reads the body to the end. */
export async function timedGet(edge: EdgeWorker, path: string): Promise<Outcome> {
  const started = performance.now();
  const res = await edge.fetch(path);
  const reader = res.body?.getReader();
  let ttfbMs = Number.NaN;
  let bytes = 0;
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    if (Number.isNaN(ttfbMs)) ttfbMs = performance.now() - started;
    bytes += chunk.value.byteLength;
  }
  return {
    status: res.status,
    xCache: res.headers.get('x-cache') ?? '-',
    ttfbMs,
    totalMs: performance.now() - started,
    bytes,
  };
}

/** Count of each x-cache value. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[o.xCache] = (out[o.xCache] ?? 0) + 1;
  return out;
}

/** p50/p95 of one timing over all outcomes, rounded to ms. */
export function spread(
  outcomes: readonly Outcome[],
  pick: (o: Outcome) => number,
): { p50: number; p95: number } {
  const values = outcomes.map(pick);
  return { p50: Math.round(percentile(values, 50)), p95: Math.round(percentile(values, 95)) };
}

/**
 * The ratios both benches report: upstream requests per unique object (goal 1.00) and the edge hit
 * ratio (answered without a shield request of its own: HIT, COALESCED, STALE) next to the ideal.
 */
export function ratios(
  outcomes: readonly Outcome[],
  upstreamRequests: number,
  uniqueObjects: number,
  idealHitRatio: number,
): Record<string, unknown> {
  const counts = tally(outcomes);
  const edgeServed = (counts.HIT ?? 0) + (counts.COALESCED ?? 0) + (counts.STALE ?? 0);
  return {
    errors: outcomes.filter((o) => o.status !== 200).length,
    xCache: counts,
    upstreamRequests,
    upstreamPerUniqueObject: Number((upstreamRequests / uniqueObjects).toFixed(3)),
    edgeHitRatio: Number((edgeServed / outcomes.length).toFixed(4)),
    idealHitRatio: Number(idealHitRatio.toFixed(4)),
    totalMs: spread(outcomes, (o) => o.totalMs),
  };
}

/** p-th percentile (nearest rank) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
