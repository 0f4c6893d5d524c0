/**
 * Finance-report fixes found by a finance user (issue 15): totals lead with what viewers received,
 * the total's origin bytes are the packager's, and answers refused before any cache are not misses.
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/core/ledger/aggregate.ts';
import { parseInstant } from '../../../src/core/ledger/period.ts';
import { FLAT } from '../../../src/core/ledger/prices/flat.ts';
import { buildEgressRecord, type EgressFacts } from '../../../src/core/ledger/record.ts';

const MB = 1e6;
const rec = (facts: Partial<EgressFacts> & Pick<EgressFacts, 'bytes'>) =>
  buildEgressRecord({
    ts: Date.UTC(2026, 9, 1),
    tier: 'edge',
    status: 200,
    headerBytes: 0,
    path: '/vod/a.ts',
    originBytes: 0,
    durationMs: 1,
    ...facts,
  });

describe('viewer-facing totals', () => {
  // 300 MB reached viewers; the shield sent 200 MB to the edge and fetched 100 MB from the packager.
  const ledger = [
    rec({ bytes: 100 * MB, cacheStatus: 'HIT', geo: { country: 'DE' } }),
    rec({ bytes: 200 * MB, cacheStatus: 'MISS', originBytes: 200 * MB, geo: { country: 'DE' } }),
    rec({ tier: 'shield', bytes: 200 * MB, cacheStatus: 'MISS', originBytes: 100 * MB }),
    rec({ tier: 'origin', bytes: 100 * MB, originBytes: 100 * MB }),
  ];
  const report = aggregate(ledger, FLAT, { by: ['tier'] });

  it('sum the viewer-facing tier only, with the packager bytes as origin bytes', () => {
    expect(report.totals.bytes).toBe(600 * MB);
    expect(report.viewerTotals).toMatchObject({
      requests: 2,
      bytes: 300 * MB,
      originBytes: 100 * MB,
      originBytesSaved: 200 * MB,
    });
    expect(report.viewerTotals.originBytesSaved).toBe(report.originBytesSaved);
    expect(report.viewerTotals.byteOffload).toBeCloseTo(2 / 3, 10);
  });

  it('draws the region timeline from the viewer-facing tier only', () => {
    expect(report.timeline.points.map((p) => [p.region, p.bytes])).toEqual([['europe', 300 * MB]]);
  });
});

describe('request hit ratio', () => {
  it('does not count answers refused before any cache (401, 403) as misses', () => {
    const report = aggregate(
      [
        rec({ bytes: 10, cacheStatus: 'HIT' }),
        rec({ bytes: 10, cacheStatus: 'MISS' }),
        rec({ bytes: 40, status: 401, cacheStatus: 'BYPASS' }),
        rec({ bytes: 40, status: 403, cacheStatus: 'BYPASS' }),
      ],
      FLAT,
      { by: [] },
    );
    expect(report.totals.requests).toBe(4);
    expect(report.totals.hitRatio).toBe(0.5);
  });

  it('still counts a cached 404 (negative caching) as a hit', () => {
    const report = aggregate(
      [rec({ bytes: 5, status: 404, cacheStatus: 'HIT' }), rec({ bytes: 5, cacheStatus: 'MISS' })],
      FLAT,
      { by: [] },
    );
    expect(report.totals.hitRatio).toBe(0.5);
  });
});

describe('periods', () => {
  it('reads dates as UTC midnight, ISO times with a zone and epoch ms; refuses impossible dates', () => {
    expect(parseInstant('2026-12-01')).toBe(Date.UTC(2026, 11, 1));
    expect(parseInstant('2026-12-01T10:00:00+02:00')).toBe(Date.UTC(2026, 11, 1, 8));
    expect(parseInstant('1796083200000')).toBe(1_796_083_200_000);
    expect(parseInstant('2026-02-30')).toBeUndefined();
    expect(parseInstant('2026-12-01T10:00:00')).toBeUndefined();
  });
});

describe('request fees', () => {
  const table = {
    name: 'with-fees',
    currency: 'USD',
    bytesPerGB: 1e9,
    fallbackRegion: 'all',
    regions: { all: [{ upToGB: null, perGB: 0.01 }] },
    requestFeePer10k: { all: 0.5 },
  };

  it('adds the per-10,000-requests fee of the region to the bytes’ cost', async () => {
    const { validatePriceTable } = await import('../../../src/core/ledger/price-table.ts');
    const valid = validatePriceTable(table);
    if (!valid.ok) throw new Error('table refused');
    const records = Array.from({ length: 20_000 }, () => rec({ bytes: 50_000, cacheStatus: 'HIT' }));
    // 1e9 bytes at $0.01/GB + 20,000 requests at $0.50 per 10,000.
    expect(aggregate(records, valid.value, { by: [] }).totals.cost).toBeCloseTo(0.01 + 1.0, 9);
  });

  it('names a fee that is not a non-negative number', async () => {
    const { validatePriceTable } = await import('../../../src/core/ledger/price-table.ts');
    const bad = validatePriceTable({ ...table, requestFeePer10k: { all: -1 } });
    expect(bad.ok ? [] : bad.error.map((i) => i.path)).toEqual(['requestFeePer10k.all']);
  });
});
