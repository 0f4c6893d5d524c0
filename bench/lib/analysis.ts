/**
 * Turns request records (and, when the stack was started by the bench, the counting proxy's
 * per-object origin counts) into the numbers operators compare: per-tier requests, bytes and hit
 * ratios, origin offload, upstream requests per object, latency by serving tier, errors by code,
 * egress by tier and country with cost, and a per-second time series. Pure.
 */

import type { PriceTable } from './cost.ts';
import { costByRegion, type RegionCost } from './cost.ts';
import { type HitStats, hitStats } from './ideal-cache.ts';
import { type TrendStats, trendStats } from './percentiles.ts';
import { isHit, type RequestRecord, reachedOrigin, reachedShield, servedBy } from './record.ts';

/** Requests and bytes the packager answered, per object (from the counting proxy). */
export type OriginCounts = ReadonlyMap<string, { readonly requests: number; readonly bytes: number }>;

export interface PerObject {
  readonly objects: number;
  readonly requests: number;
  readonly perObject: { readonly avg: number; readonly max: number };
  /** How many objects were fetched upstream 1, 2, 3… times. */
  readonly histogram: Readonly<Record<string, number>>;
}

export interface TimePoint {
  readonly second: number;
  readonly requests: number;
  readonly errors: number;
  readonly edgeHitRatio: number;
  readonly combinedHitRatio: number;
  readonly ttfbP50: number;
  readonly ttfbP95: number;
  readonly ttfbP99: number;
}

export interface Analysis {
  readonly target: string;
  readonly tiers: { readonly edge: HitStats; readonly shield: HitStats; readonly origin: HitStats };
  /** 1 − origin requests / viewer requests answered with content (request hit ratio of the whole CDN). */
  readonly combinedHitRatio: number;
  /** 1 − origin bytes / content bytes viewers got (byte hit ratio of the whole CDN). */
  readonly originOffload: number;
  /** Source of origin numbers: the counting proxy in front of the packager, or response headers. */
  readonly originSource: 'counting-proxy' | 'headers';
  readonly shieldRequestsPerObject: Readonly<Record<string, PerObject>>;
  readonly originRequestsPerObject: Readonly<Record<string, PerObject>>;
  readonly latency: Readonly<Record<string, { readonly ttfb: TrendStats; readonly ttlb: TrendStats }>>;
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly egress: Readonly<Record<'edge' | 'shield' | 'origin', Readonly<Record<string, number>>>>;
  readonly cost: { readonly table: string; readonly edge: readonly RegionCost[]; readonly totalUsd: number };
  readonly timeseries: readonly TimePoint[];
}

/** Content kind of an object key (the part before `?`), for per-kind breakdowns. */
export type KindOf = (object: string) => string;

function add(map: Record<string, number>, key: string, n: number): void {
  map[key] = (map[key] ?? 0) + n;
}

/** Per-kind (and `all`) distribution of how often each object was fetched upstream. */
export function perObject(counts: ReadonlyMap<string, number>, kindOf: KindOf): Record<string, PerObject> {
  const groups = new Map<string, number[]>();
  for (const [object, n] of counts) {
    for (const g of ['all', kindOf(object)]) {
      const list = groups.get(g);
      if (list === undefined) groups.set(g, [n]);
      else list.push(n);
    }
  }
  const out: Record<string, PerObject> = {};
  for (const [g, values] of groups) {
    const histogram: Record<string, number> = {};
    for (const v of values) add(histogram, String(v), 1);
    const requests = values.reduce((a, b) => a + b, 0);
    out[g] = {
      objects: values.length,
      requests,
      perObject: { avg: values.length ? requests / values.length : 0, max: Math.max(0, ...values) },
      histogram,
    };
  }
  return out;
}

/**
 * @example analyze(records, 'edge', originCounts, CLOUDFRONT_ON_DEMAND, contentKindOf)
 */
export function analyze(
  all: readonly RequestRecord[],
  target: string,
  origin: OriginCounts | undefined,
  prices: PriceTable,
  kindOf: KindOf,
): Analysis {
  const records = all.filter((r) => r.target === target);
  let edgeReq = 0,
    edgeBytes = 0,
    edgeHits = 0,
    edgeHitBytes = 0;
  let shReq = 0,
    shBytes = 0,
    shHits = 0,
    shHitBytes = 0;
  let orReqH = 0,
    orBytesH = 0;
  // Responses that carried content (status < 400): what hit ratios and offload are measured against.
  let contentReq = 0,
    contentBytes = 0;
  const shieldCounts = new Map<string, number>();
  const originCountsH = new Map<string, number>();
  const latency = new Map<string, { ttfb: number[]; ttlb: number[] }>();
  const errorsByCode: Record<string, number> = {};
  const egress = {
    edge: {} as Record<string, number>,
    shield: {} as Record<string, number>,
    origin: {} as Record<string, number>,
  };
  // Each tier counts only the requests that reached it (issue 13): a 401 from the edge is an edge
  // request, never a shield or origin one; what reached the shield and the origin is read from the
  // shield's own headers (x-cache-shield, Server-Timing), not assumed from an edge miss.
  for (const r of records) {
    if (r.status === 0 || r.status >= 400) add(errorsByCode, `${r.status} ${r.errorCode ?? ''}`.trim(), 1);
    const by = servedBy(r);
    const lat = latency.get(by) ?? { ttfb: [], ttlb: [] };
    lat.ttfb.push(r.ttfb);
    lat.ttlb.push(r.ttlb);
    latency.set(by, lat);
    // No response at all: it reached no tier we can name.
    if (r.status === 0) continue;
    edgeReq++;
    edgeBytes += r.bytes;
    add(egress.edge, r.country, r.bytes);
    if (r.status < 400) {
      contentReq++;
      contentBytes += r.bytes;
    }
    if (r.cache === undefined) continue;
    if (isHit(r.cache)) {
      edgeHits++;
      edgeHitBytes += r.bytes;
      continue;
    }
    if (!reachedShield(r)) continue;
    shReq++;
    shBytes += r.bytes;
    add(egress.shield, r.country, r.bytes);
    shieldCounts.set(r.object, (shieldCounts.get(r.object) ?? 0) + 1);
    if (isHit(r.shieldCache)) {
      shHits++;
      shHitBytes += r.bytes;
    } else if (reachedOrigin(r)) {
      orReqH++;
      orBytesH += r.bytes;
      add(egress.origin, r.country, r.bytes);
      originCountsH.set(r.object, (originCountsH.get(r.object) ?? 0) + 1);
    }
  }
  const originSource = origin === undefined ? 'headers' : 'counting-proxy';
  const originCounts =
    origin === undefined ? originCountsH : new Map([...origin].map(([k, v]) => [k, v.requests]));
  let orReq = orReqH,
    orBytes = orBytesH;
  if (origin !== undefined) {
    orReq = 0;
    orBytes = 0;
    for (const v of origin.values()) {
      orReq += v.requests;
      orBytes += v.bytes;
    }
  }
  const edgeCost = costByRegion(prices, egress.edge);
  return {
    target,
    tiers: {
      edge: hitStats(edgeReq, edgeHits, edgeBytes, edgeHitBytes),
      shield: hitStats(shReq, shHits, shBytes, shHitBytes),
      // The origin has no cache: its "hits" are nothing, its requests are what the CDN let through.
      origin: hitStats(orReq, 0, orBytes, 0),
    },
    combinedHitRatio: contentReq ? Math.max(0, 1 - orReq / contentReq) : 0,
    originOffload: contentBytes ? Math.max(0, 1 - orBytes / contentBytes) : 0,
    originSource,
    shieldRequestsPerObject: perObject(shieldCounts, kindOf),
    originRequestsPerObject: perObject(originCounts, kindOf),
    latency: Object.fromEntries(
      [...latency].map(([k, v]) => [k, { ttfb: trendStats(v.ttfb), ttlb: trendStats(v.ttlb) }]),
    ),
    errorsByCode,
    egress,
    cost: { table: prices.name, edge: edgeCost, totalUsd: edgeCost.reduce((s, c) => s + c.usd, 0) },
    timeseries: timeseries(records),
  };
}

/** Per-second buckets of request count, errors, hit ratios and TTFB percentiles. */
export function timeseries(records: readonly RequestRecord[]): TimePoint[] {
  const buckets = new Map<number, RequestRecord[]>();
  for (const r of records) {
    const s = Math.floor(r.t / 1000);
    const b = buckets.get(s);
    if (b === undefined) buckets.set(s, [r]);
    else b.push(r);
  }
  return [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((second) => {
      const rs = buckets.get(second) ?? [];
      const stats = trendStats(rs.map((r) => r.ttfb));
      const served = rs.filter((r) => r.status > 0 && r.status < 400);
      const fromOrigin = served.filter((r) => servedBy(r) === 'origin').length;
      return {
        second,
        requests: rs.length,
        errors: rs.length - served.length,
        edgeHitRatio: served.length ? served.filter((r) => isHit(r.cache)).length / served.length : 0,
        combinedHitRatio: served.length ? 1 - fromOrigin / served.length : 0,
        ttfbP50: stats.med,
        ttfbP95: stats['p(95)'],
        ttfbP99: stats['p(99)'],
      };
    });
}
