/**
 * Compares two phases of one scenario that replay the same viewer trace (token-churn: tokenless,
 * then tokened): per content kind, the edge's measured hit ratio next to the infinite-cache ideal
 * of that phase's own trace, the misses beyond the compulsory ones, and whether the two traces
 * really asked for the same objects. Pure over records.
 */
import { isHit, type RequestRecord } from './record.ts';

/** Edge numbers of one phase for one content kind (or `all`). */
export interface KindStats {
  readonly requests: number;
  readonly edgeHits: number;
  readonly uniqueObjects: number;
  readonly edgeHitRatio: number;
  /** 1 − unique objects / requests: what a cache that never forgets and never splits a key gets. */
  readonly idealHitRatio: number;
  /** Edge misses beyond one per object: key fragmentation, expiry or eviction show up here. */
  readonly excessMisses: number;
  /** Edge `x-cache` values seen (HIT, MISS, COALESCED, STALE…). */
  readonly cache: Readonly<Record<string, number>>;
}

export interface PhaseStats extends KindStats {
  /** Edge or shield answered (no origin trip per the headers). */
  readonly combinedHitRatio: number;
  readonly byKind: Readonly<Record<string, KindStats>>;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The records a hit ratio is computed over: successful edge responses that carry x-cache. */
export function measured(records: readonly RequestRecord[]): RequestRecord[] {
  return records.filter((r) => r.target === 'edge' && r.status === 200 && r.cache !== undefined);
}

function kindStats(rs: readonly RequestRecord[]): KindStats {
  const edgeHits = rs.filter((r) => isHit(r.cache)).length;
  const uniqueObjects = new Set(rs.map((r) => r.object)).size;
  const cache: Record<string, number> = {};
  for (const r of rs) cache[r.cache ?? '-'] = (cache[r.cache ?? '-'] ?? 0) + 1;
  return {
    requests: rs.length,
    edgeHits,
    uniqueObjects,
    edgeHitRatio: rs.length ? round(edgeHits / rs.length) : 0,
    idealHitRatio: rs.length ? round(1 - uniqueObjects / rs.length) : 0,
    excessMisses: rs.length - edgeHits - uniqueObjects,
    cache,
  };
}

/**
 * @example phaseStats(records.filter((r) => r.scenario === 'tokens')).byKind.playlist?.edgeHitRatio
 */
export function phaseStats(records: readonly RequestRecord[]): PhaseStats {
  const rs = measured(records);
  const kinds = [...new Set(rs.map((r) => r.kind))].sort();
  const byKind: Record<string, KindStats> = {};
  for (const k of kinds) byKind[k] = kindStats(rs.filter((r) => r.kind === k));
  const cdnHits = rs.filter((r) => isHit(r.cache) || isHit(r.shieldCache)).length;
  return {
    ...kindStats(rs),
    combinedHitRatio: rs.length ? round(cdnHits / rs.length) : 0,
    byKind,
  };
}

/**
 * How many requests of `a` and `b` do not pair up once `fold` maps both onto one object space (the
 * size of the multiset difference). 0 means both phases asked for the same objects the same number
 * of times, so their hit ratios are comparable; anything else (a phase cut short by its time
 * budget, a viewer drawing another rendition) makes a hit-ratio delta meaningless.
 */
export function traceMismatch(
  a: readonly RequestRecord[],
  b: readonly RequestRecord[],
  fold: (object: string) => string,
): number {
  const counts = new Map<string, number>();
  for (const r of measured(a)) counts.set(fold(r.object), (counts.get(fold(r.object)) ?? 0) + 1);
  for (const r of measured(b)) counts.set(fold(r.object), (counts.get(fold(r.object)) ?? 0) - 1);
  let diff = 0;
  for (const n of counts.values()) diff += Math.abs(n);
  return diff;
}
