/**
 * Aggregation: egress records + a price table → totals and breakdowns (bytes, cost, request hit
 * ratio, byte offload, origin bytes saved, viewer-hours) for the finance report.
 *
 * Pure: no I/O, no clock. Definitions (README "Finance report"):
 * - cost: only the outermost tier present (edge, else shield, else origin) is priced — that is what
 *   leaves for viewers and what a CDN price table prices; inner tiers show bytes at cost 0. Its bytes
 *   are summed per UTC billing month and table region, priced through the tiers from zero, and each
 *   record carries its share at that month-region's average rate; so any breakdown sums to the total.
 * - request hit ratio: records whose cacheStatus is a hit (HIT, STALE, COALESCED, …) / records.
 * - byte offload: 1 − originBytes / bytes (what this tier did not have to fetch upstream).
 * - viewer-hours: per session (sessionId), the sum of CMCD object durations (`d`) of its records
 *   when the player sent them, else its last ts − first ts; records without a session count none.
 * - WebRTC session records (tier `rtc`) are left out here; webrtc-summary.ts reports them.
 */

import type { PriceTable } from './price-table.ts';
import { billingMonthOf, priceBytes, tableRegionOf } from './pricing.ts';
import { pricingRegionOf } from './pricing-regions.ts';
import { type EgressRecord, isCacheHit } from './record.ts';

export const DIMENSIONS = [
  'tier',
  'region',
  'country',
  'day',
  'session',
  'content',
  'kind',
  'colo',
  // Issue 15: the control-plane tenant and the viewer's network (AS number and name).
  'tenant',
  'network',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface Row {
  /** Group key (`all` for the totals row). */
  readonly key: string;
  readonly requests: number;
  readonly hits: number;
  readonly bytes: number;
  readonly headerBytes: number;
  readonly originBytes: number;
  readonly cost: number;
  readonly sessions: number;
  readonly viewerHours: number;
  /**
   * hits / the requests a cache saw, or null with none. Error answers no cache was asked for (a 401,
   * 403 or 451 refused before the cache: x-cache BYPASS or none) are not cache misses and do not count.
   */
  readonly hitRatio: number | null;
  /** 1 − originBytes / bytes, or null with no bytes. */
  readonly byteOffload: number | null;
  /** max(0, bytes − originBytes). */
  readonly originBytesSaved: number;
  readonly costPerViewerHour: number | null;
}

export interface Report {
  readonly priceTable: string;
  readonly currency: string;
  /** Every tier's records summed (what the ledger holds, not what viewers received). */
  readonly totals: Row;
  /**
   * The viewer-facing tier's records (edge, else shield, else origin): what finance bills. Its
   * originBytes is the packager bytes, so offload and origin bytes saved match the summary.
   */
  readonly viewerTotals: Row;
  readonly breakdowns: Readonly<Partial<Record<Dimension, readonly Row[]>>>;
  /** The `limit` contents with most egress, descending. */
  readonly topContents: readonly Row[];
  /** Bytes the outermost tier present sent to viewers. */
  readonly deliveredBytes: number;
  /** Bytes fetched from the packager: the `origin` records' bytes, else originBytes of the innermost tier. */
  readonly packagerBytes: number;
  /** deliveredBytes − packagerBytes. */
  readonly originBytesSaved: number;
  readonly costPerSession: number | null;
  /** Bytes per time bucket (`bucket`) and pricing region, for the "egress over time" plot. */
  readonly timeline: { readonly bucket: 'hour' | 'day'; readonly points: readonly TimelinePoint[] };
  readonly firstTs: number | null;
  readonly lastTs: number | null;
}

export interface TimelinePoint {
  readonly at: string;
  readonly region: string;
  readonly bytes: number;
}

export interface AggregateOptions {
  readonly by: readonly Dimension[];
  readonly topContents?: number;
}

/** Key of a record in a dimension. */
export function keyOf(record: EgressRecord, dimension: Dimension): string {
  switch (dimension) {
    case 'tier':
      return record.tier;
    case 'region':
      return pricingRegionOf(record.country);
    case 'country':
      return record.country ?? 'unknown';
    case 'day':
      return new Date(record.ts).toISOString().slice(0, 10);
    case 'session':
      return record.sessionId ?? '(none)';
    case 'content':
      return record.contentId;
    case 'kind':
      return record.contentKind;
    case 'colo':
      return record.colo ?? 'unknown';
    case 'tenant':
      return record.tenant ?? '(none)';
    case 'network':
      return record.asn === undefined
        ? 'unknown'
        : `AS${record.asn}${record.asOrganization ? ` ${record.asOrganization}` : ''}`;
    default: {
      const unreachable: never = dimension;
      return String(unreachable);
    }
  }
}

/**
 * Per-record cost at its month-region average rate; the sum equals the tiered total. Only records of
 * `pricedTier` are priced (a CDN price table prices what leaves for viewers; bytes between our own
 * tiers are not billed at CDN rates) — the others cost 0 and add no volume to the tiers. A priced
 * record also carries its request fee when the table has `requestFeePer10k`.
 */
export function recordCosts(
  records: readonly EgressRecord[],
  table: PriceTable,
  pricedTier?: string,
): number[] {
  const priced = (r: EgressRecord) => pricedTier === undefined || r.tier === pricedTier;
  const bytes = new Map<string, number>();
  const keys = records.map((r) => `${billingMonthOf(r.ts)} ${tableRegionOf(table, r.country)}`);
  for (const [i, r] of records.entries()) {
    if (priced(r)) bytes.set(keys[i] ?? '', (bytes.get(keys[i] ?? '') ?? 0) + r.bytes);
  }
  const rate = new Map<string, number>();
  for (const [key, b] of bytes) {
    const region = key.slice(key.indexOf(' ') + 1);
    rate.set(key, b > 0 ? priceBytes(table, region, b) / b : 0);
  }
  const fees = table.requestFeePer10k;
  // Request fees (per 10,000 requests) on top of the bytes; a region without one pays the fallback's.
  const feeOf = (key: string | undefined) => {
    if (fees === undefined || key === undefined) return 0;
    const region = key.slice(key.indexOf(' ') + 1);
    return (fees[region] ?? fees[table.fallbackRegion] ?? 0) / 10_000;
  };
  return records.map((r, i) => (priced(r) ? r.bytes * (rate.get(keys[i] ?? '') ?? 0) + feeOf(keys[i]) : 0));
}

/** The viewer-facing tier present in a ledger: edge, else shield, else origin. */
export function outermostTier(records: readonly EgressRecord[]): 'edge' | 'shield' | 'origin' {
  const tiers = new Set(records.map((r) => r.tier));
  return tiers.has('edge') ? 'edge' : tiers.has('shield') ? 'shield' : 'origin';
}

/** Statuses a cache never saw: refused or answered by the edge itself before any lookup. */
function reachedCache(r: EgressRecord): boolean {
  return r.status < 400 || (r.cacheStatus !== 'BYPASS' && r.cacheStatus !== 'NONE');
}

class Acc {
  requests = 0;
  cacheable = 0;
  hits = 0;
  bytes = 0;
  headerBytes = 0;
  originBytes = 0;
  cost = 0;
  readonly sessions = new Map<string, { first: number; last: number; objectMs: number }>();

  add(r: EgressRecord, cost: number): void {
    this.requests++;
    if (reachedCache(r)) this.cacheable++;
    if (isCacheHit(r.cacheStatus)) this.hits++;
    this.bytes += r.bytes;
    this.headerBytes += r.headerBytes;
    this.originBytes += r.originBytes;
    this.cost += cost;
    if (r.sessionId === undefined) return;
    const s = this.sessions.get(r.sessionId) ?? { first: r.ts, last: r.ts, objectMs: 0 };
    s.first = Math.min(s.first, r.ts);
    s.last = Math.max(s.last, r.ts);
    if (r.contentKind === 'segment' || r.contentKind === 'part') s.objectMs += r.cmcd?.d ?? 0;
    this.sessions.set(r.sessionId, s);
  }

  row(key: string): Row {
    let ms = 0;
    for (const s of this.sessions.values()) ms += s.objectMs > 0 ? s.objectMs : s.last - s.first;
    const viewerHours = ms / 3_600_000;
    return {
      key,
      requests: this.requests,
      hits: this.hits,
      bytes: this.bytes,
      headerBytes: this.headerBytes,
      originBytes: this.originBytes,
      cost: this.cost,
      sessions: this.sessions.size,
      viewerHours,
      hitRatio: this.cacheable > 0 ? this.hits / this.cacheable : null,
      byteOffload: this.bytes > 0 ? 1 - this.originBytes / this.bytes : null,
      originBytesSaved: Math.max(0, this.bytes - this.originBytes),
      costPerViewerHour: viewerHours > 0 ? this.cost / viewerHours : null,
    };
  }
}

function grouped(
  records: readonly EgressRecord[],
  costs: readonly number[],
  key: (r: EgressRecord) => string,
) {
  const groups = new Map<string, Acc>();
  for (const [i, r] of records.entries()) {
    const k = key(r);
    let acc = groups.get(k);
    if (!acc) {
      acc = new Acc();
      groups.set(k, acc);
    }
    acc.add(r, costs[i] ?? 0);
  }
  return groups;
}

function rowsOf(groups: Map<string, Acc>): Row[] {
  return [...groups].map(([k, acc]) => acc.row(k));
}

/**
 * @example
 *   const report = aggregate(records, CLOUDFRONT_ON_DEMAND, { by: ['tier', 'region'] });
 *   report.totals.cost; report.breakdowns.tier;
 */
export function aggregate(
  ledger: readonly EgressRecord[],
  table: PriceTable,
  options: AggregateOptions,
): Report {
  // WebRTC session records (tier `rtc`) are one per session, not per response: they would distort
  // request counts and hit ratios, so they are summarised apart (webrtc-summary.ts).
  const records = ledger.filter((r) => r.tier !== 'rtc');
  const outer = outermostTier(records);
  const costs = recordCosts(records, table, outer);
  const totals =
    grouped(records, costs, () => 'all')
      .get('all')
      ?.row('all') ?? new Acc().row('all');
  // Where viewers are (region, country, network) is known at the viewer-facing tier only; inner tiers'
  // bytes went to our own tiers and would stack up as "unknown" beside them.
  const outerIndexes = [...records.keys()].filter((i) => records[i]?.tier === outer);
  const viewerRecords = outerIndexes.flatMap((i) => records[i] ?? []);
  const viewerCosts = outerIndexes.map((i) => costs[i] ?? 0);
  const breakdowns: Partial<Record<Dimension, readonly Row[]>> = {};
  for (const dimension of options.by) {
    const geographic = dimension === 'region' || dimension === 'country' || dimension === 'network';
    const rows = rowsOf(
      grouped(geographic ? viewerRecords : records, geographic ? viewerCosts : costs, (r) =>
        keyOf(r, dimension),
      ),
    );
    // Time reads left to right; everything else biggest first.
    rows.sort((a, b) =>
      dimension === 'day' ? a.key.localeCompare(b.key) : b.bytes - a.bytes || a.key.localeCompare(b.key),
    );
    breakdowns[dimension] = rows;
  }
  const topContents = rowsOf(grouped(records, costs, (r) => r.contentId))
    .sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key))
    .slice(0, options.topContents ?? 10);

  const tierBytes = (tier: string, field: 'bytes' | 'originBytes') =>
    records.filter((r) => r.tier === tier).reduce((n, r) => n + r[field], 0);
  const tiers = new Set(records.map((r) => r.tier));
  const inner = tiers.has('shield') ? 'shield' : outer;
  const deliveredBytes = tierBytes(outer, 'bytes');
  // The shield's `origin` records count every packager fetch (background revalidations included);
  // without them, the innermost tier's originBytes is the best estimate.
  const packagerBytes = tiers.has('origin') ? tierBytes('origin', 'bytes') : tierBytes(inner, 'originBytes');

  const sessionRows = rowsOf(
    grouped(
      records.filter((r) => r.sessionId !== undefined),
      costs.filter((_, i) => records[i]?.sessionId !== undefined),
      (r) => r.sessionId ?? '',
    ),
  );
  const sessionCost = sessionRows.reduce((n, r) => n + r.cost, 0);
  const viewerAll =
    grouped(viewerRecords, viewerCosts, () => 'all')
      .get('all')
      ?.row('all') ?? new Acc().row('all');
  const viewerTotals: Row = {
    ...viewerAll,
    originBytes: packagerBytes,
    byteOffload: deliveredBytes > 0 ? 1 - packagerBytes / deliveredBytes : null,
    originBytesSaved: Math.max(0, deliveredBytes - packagerBytes),
  };
  const tsList = records.map((r) => r.ts);
  const firstTs = tsList.length > 0 ? Math.min(...tsList) : null;
  const lastTs = tsList.length > 0 ? Math.max(...tsList) : null;
  return {
    priceTable: table.name,
    currency: table.currency,
    totals,
    viewerTotals,
    breakdowns,
    topContents,
    deliveredBytes,
    packagerBytes,
    originBytesSaved: Math.max(0, deliveredBytes - packagerBytes),
    costPerSession: sessionRows.length > 0 ? sessionCost / sessionRows.length : null,
    timeline: timelineOf(viewerRecords, firstTs, lastTs),
    firstTs,
    lastTs,
  };
}

function timelineOf(
  records: readonly EgressRecord[],
  first: number | null,
  last: number | null,
): Report['timeline'] {
  // Hourly buckets for short runs (a bench, a test), daily for anything over two days.
  const bucket = first !== null && last !== null && last - first > 2 * 86_400_000 ? 'day' : 'hour';
  const width = bucket === 'day' ? 10 : 13;
  const sums = new Map<string, number>();
  for (const r of records) {
    const key = `${new Date(r.ts).toISOString().slice(0, width)}|${pricingRegionOf(r.country)}`;
    sums.set(key, (sums.get(key) ?? 0) + r.bytes);
  }
  const points = [...sums]
    .map(([key, bytes]) => {
      const [at = '', region = ''] = key.split('|');
      return { at: bucket === 'hour' ? `${at}:00` : at, region, bytes };
    })
    .sort((a, b) => a.at.localeCompare(b.at) || a.region.localeCompare(b.region));
  return { bucket, points };
}
