import { describe, expect, it } from 'vitest';
import { aggregate, recordCosts } from '../../../src/core/ledger/aggregate.ts';
import { CLOUDFRONT_ON_DEMAND } from '../../../src/core/ledger/prices/cloudfront-on-demand.ts';
import { FLAT } from '../../../src/core/ledger/prices/flat.ts';
import { buildEgressRecord, type EgressFacts } from '../../../src/core/ledger/record.ts';

const T0 = Date.UTC(2026, 9, 1, 12, 0, 0);
const GB = 1e9;

function rec(facts: Partial<EgressFacts> & Pick<EgressFacts, 'bytes'>) {
  return buildEgressRecord({
    ts: T0,
    tier: 'edge',
    status: 200,
    headerBytes: 0,
    path: '/vod/ts/720p/seg_00000.ts',
    originBytes: 0,
    durationMs: 1,
    ...facts,
  });
}

// A hand-checkable ledger (flat preset: $0.01 per 1e9 bytes).
const LEDGER = [
  rec({
    bytes: GB,
    cacheStatus: 'MISS',
    originBytes: GB,
    geo: { country: 'DE' },
    cmcd: { sid: 's1', d: 4000 },
  }),
  rec({
    ts: T0 + 10_000,
    bytes: GB,
    cacheStatus: 'HIT',
    geo: { country: 'DE' },
    cmcd: { sid: 's1', d: 4000 },
  }),
  rec({ bytes: 2 * GB, cacheStatus: 'HIT', geo: { country: 'US' }, tokenSid: 's2', path: '/live/a.ts' }),
  rec({
    ts: T0 + 60_000,
    bytes: 0,
    cacheStatus: 'HIT',
    geo: { country: 'US' },
    tokenSid: 's2',
    path: '/live/b.m3u8',
  }),
  rec({ tier: 'shield', bytes: GB, cacheStatus: 'MISS', originBytes: GB }),
];

describe('aggregate', () => {
  const report = aggregate(LEDGER, FLAT, { by: ['tier', 'region', 'session'] });

  it('totals bytes, requests and hits over all tiers but prices only what the edge sent to viewers', () => {
    expect(report.totals).toMatchObject({ requests: 5, hits: 3, bytes: 5 * GB, originBytes: 2 * GB });
    // 4 GB left the edge at $0.01/GB; the shield's 1 GB went to our own edge, not to a viewer.
    expect(report.totals.cost).toBeCloseTo(0.04, 10);
    expect(report.breakdowns.tier?.find((r) => r.key === 'shield')?.cost).toBe(0);
    expect(report.totals.hitRatio).toBe(0.6);
    expect(report.totals.byteOffload).toBeCloseTo(0.6, 10);
  });

  it('puts request hit ratio and byte offload side by side per tier', () => {
    const edge = report.breakdowns.tier?.find((r) => r.key === 'edge');
    expect(edge).toMatchObject({ requests: 4, hits: 3, bytes: 4 * GB, originBytes: GB, hitRatio: 0.75 });
    expect(edge?.byteOffload).toBeCloseTo(0.75, 10);
    const shield = report.breakdowns.tier?.find((r) => r.key === 'shield');
    expect(shield).toMatchObject({ hitRatio: 0, byteOffload: 0 });
  });

  it('groups by pricing region the bytes viewers received; inner tiers are no region (issue 15)', () => {
    expect(report.breakdowns.region?.map((r) => [r.key, r.bytes])).toEqual([
      ['europe', 2 * GB],
      ['north-america', 2 * GB],
    ]);
  });

  it('puts viewer-facing records without a country under unknown', () => {
    const r = aggregate([...LEDGER, rec({ bytes: GB, cacheStatus: 'HIT' })], FLAT, { by: ['region'] });
    expect(r.breakdowns.region?.find((row) => row.key === 'unknown')?.bytes).toBe(GB);
  });

  it('counts origin bytes saved as delivered (edge) bytes minus packager (shield origin) bytes', () => {
    expect(report.deliveredBytes).toBe(4 * GB);
    expect(report.packagerBytes).toBe(GB);
    expect(report.originBytesSaved).toBe(3 * GB);
  });

  it('takes packager bytes from origin records when the shield wrote them (revalidations included)', () => {
    const withOrigin = [
      ...LEDGER,
      rec({ tier: 'origin', bytes: GB, originBytes: GB }),
      rec({ tier: 'origin', bytes: GB / 2, originBytes: GB / 2 }),
    ];
    const r = aggregate(withOrigin, FLAT, { by: [] });
    expect(r.packagerBytes).toBe(1.5 * GB);
    expect(r.originBytesSaved).toBe(2.5 * GB);
  });

  it('counts viewer-hours from CMCD durations, else from the first/last timestamps of a session', () => {
    const s1 = report.breakdowns.session?.find((r) => r.key === 's1');
    const s2 = report.breakdowns.session?.find((r) => r.key === 's2');
    expect(s1?.viewerHours).toBeCloseTo(8 / 3600, 12);
    expect(s2?.viewerHours).toBeCloseTo(60 / 3600, 12);
    expect(report.totals.sessions).toBe(2);
    expect(report.totals.costPerViewerHour).toBeCloseTo(0.04 / (68 / 3600), 8);
    // Sessions carry $0.02 (s1) + $0.02 (s2); the shield record has no session.
    expect(report.costPerSession).toBeCloseTo(0.02, 10);
  });

  it('ranks top contents by egress', () => {
    expect(report.topContents.map((r) => [r.key, r.bytes])).toEqual([
      ['vod', 3 * GB],
      ['live', 2 * GB],
    ]);
  });

  it('buckets the timeline by hour for a short run', () => {
    expect(report.timeline.bucket).toBe('hour');
    expect(report.timeline.points).toContainEqual({
      at: '2026-10-01T12:00',
      region: 'europe',
      bytes: 2 * GB,
    });
  });

  it('answers an empty ledger with zeros and nulls, not NaN', () => {
    const empty = aggregate([], FLAT, { by: ['tier'] });
    expect(empty.totals).toMatchObject({ requests: 0, bytes: 0, cost: 0, hitRatio: null, byteOffload: null });
    expect(empty.breakdowns.tier).toEqual([]);
  });
});

describe('recordCosts', () => {
  it('spreads a region-month tiered cost over its records so breakdowns sum to the total', () => {
    const big = 6 * 1024 * 2 ** 30; // 6 TiB each, 12 TiB total: crosses the 10 TB tier in europe
    const records = [
      rec({ bytes: big, geo: { country: 'DE' } }),
      rec({ bytes: big, geo: { country: 'FR' }, ts: T0 + 1 }),
    ];
    const costs = recordCosts(records, CLOUDFRONT_ON_DEMAND);
    const expected = 10 * 1024 * 0.085 + 2 * 1024 * 0.08;
    expect((costs[0] ?? 0) + (costs[1] ?? 0)).toBeCloseTo(expected, 6);
    expect(costs[0]).toBeCloseTo(expected / 2, 6);
  });

  it('restarts the tiers each billing month', () => {
    const big = 10 * 1024 * 2 ** 30;
    const records = [
      rec({ bytes: big, geo: { country: 'DE' } }),
      rec({ bytes: big, geo: { country: 'DE' }, ts: Date.UTC(2026, 10, 1) }),
    ];
    const costs = recordCosts(records, CLOUDFRONT_ON_DEMAND);
    expect(costs[1]).toBeCloseTo(10 * 1024 * 0.085, 6);
  });
});
