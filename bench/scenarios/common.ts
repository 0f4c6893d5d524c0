/**
 * Helpers shared by scenarios: per-phase hit ratios from records and the trace → ideal comparison.
 * Pure over records.
 */
import {
  type HitStats,
  simulateBelady,
  simulateInfinite,
  simulateLru,
  type TraceRequest,
} from '../lib/ideal-cache.ts';
import { isHit, type RequestRecord } from '../lib/record.ts';

/** Edge and combined (edge+shield) request hit ratios of `records` (edge target only). */
export function hitRatios(records: readonly RequestRecord[]) {
  const edge = records.filter((r) => r.target === 'edge' && r.status === 200 && r.cache !== undefined);
  const edgeHits = edge.filter((r) => isHit(r.cache)).length;
  const cdnHits = edge.filter((r) => isHit(r.cache) || isHit(r.shieldCache)).length;
  return {
    requests: edge.length,
    edgeHitRatio: edge.length ? edgeHits / edge.length : 0,
    combinedHitRatio: edge.length ? cdnHits / edge.length : 0,
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const brief = (s: HitStats) => ({ hitRatio: round(s.hitRatio), byteHitRatio: round(s.byteHitRatio) });

/**
 * The viewer trace (successful edge requests in send order) against reference caches: infinite,
 * and LRU/Belady at `shieldBytes`; plus the edge-miss trace the shield saw against LRU/Belady.
 */
export function idealComparison(records: readonly RequestRecord[], shieldBytes: number) {
  const ok = records.filter((r) => r.target === 'edge' && r.status === 200).sort((a, b) => a.t - b.t);
  const trace: TraceRequest[] = ok.map((r) => ({ key: r.object, bytes: r.bytes }));
  const shieldTrace: TraceRequest[] = ok
    .filter((r) => r.cache !== undefined && !isHit(r.cache))
    .map((r) => ({ key: r.object, bytes: r.bytes }));
  const measured = hitRatios(records);
  const infinite = simulateInfinite(trace);
  const shieldMeasured = shieldTrace.length
    ? ok.filter((r) => r.cache !== undefined && !isHit(r.cache) && isHit(r.shieldCache)).length /
      shieldTrace.length
    : 0;
  return {
    requests: trace.length,
    uniqueObjects: new Set(trace.map((t) => t.key)).size,
    measured: {
      edgeHitRatio: round(measured.edgeHitRatio),
      combinedHitRatio: round(measured.combinedHitRatio),
      shieldHitRatio: round(shieldMeasured),
    },
    ideal: {
      infinite: brief(infinite),
      lruAtShieldBytes: brief(simulateLru(trace, shieldBytes)),
      beladyAtShieldBytes: brief(simulateBelady(trace, shieldBytes)),
      shieldTraceLru: brief(simulateLru(shieldTrace, shieldBytes)),
      shieldTraceBelady: brief(simulateBelady(shieldTrace, shieldBytes)),
    },
    shieldBytes,
    combinedVsInfinite: infinite.hitRatio ? round(measured.combinedHitRatio / infinite.hitRatio) : 0,
  };
}
