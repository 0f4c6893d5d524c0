import { describe, expect, it } from 'vitest';
import { formatPriceTableIssue, validatePriceTable } from '../../../src/core/ledger/price-table.ts';
import { CLOUDFRONT_ON_DEMAND } from '../../../src/core/ledger/prices/cloudfront-on-demand.ts';
import { FLAT } from '../../../src/core/ledger/prices/flat.ts';
import { priceBytes, tableRegionOf, tieredCost } from '../../../src/core/ledger/pricing.ts';
import { pricingRegionOf } from '../../../src/core/ledger/pricing-regions.ts';

const GIB = 2 ** 30;
const TB_GB = 1024;

describe('tieredCost', () => {
  const tiers = [
    { upToGB: 10, perGB: 1 },
    { upToGB: 50, perGB: 0.5 },
    { upToGB: null, perGB: 0.1 },
  ];

  it('bills exactly the first tier at its boundary', () => {
    expect(tieredCost(tiers, 10)).toBe(10);
  });

  it('bills the GB just past a boundary at the next rate', () => {
    expect(tieredCost(tiers, 11)).toBe(10.5);
    expect(tieredCost(tiers, 50)).toBe(30);
    expect(tieredCost(tiers, 60)).toBe(31);
  });

  it('costs nothing for nothing', () => {
    expect(tieredCost(tiers, 0)).toBe(0);
  });
});

describe('CloudFront on-demand preset', () => {
  it.each([
    ['north-america', 0.085],
    ['europe', 0.085],
    ['south-america', 0.11],
    ['japan', 0.114],
    ['australia', 0.114],
    ['asia-pacific', 0.12],
    ['india', 0.109],
  ])('charges %s $%s per GB in the first 10 TB', (region, rate) => {
    expect(priceBytes(CLOUDFRONT_ON_DEMAND, region, GIB)).toBeCloseTo(rate, 10);
  });

  it('switches to the second tier exactly after 10 TB (GiB-based)', () => {
    const tenTb = 10 * TB_GB * GIB;
    expect(priceBytes(CLOUDFRONT_ON_DEMAND, 'india', tenTb)).toBeCloseTo(10 * TB_GB * 0.109, 6);
    expect(priceBytes(CLOUDFRONT_ON_DEMAND, 'india', tenTb + GIB)).toBeCloseTo(10 * TB_GB * 0.109 + 0.085, 6);
  });

  it('prices bytes in a region the table does not list at the fallback region', () => {
    expect(tableRegionOf(CLOUDFRONT_ON_DEMAND, undefined)).toBe('north-america');
    expect(tableRegionOf(FLAT, 'JP')).toBe('all');
  });

  it('passes its own validation', () => {
    expect(validatePriceTable(JSON.parse(JSON.stringify(CLOUDFRONT_ON_DEMAND))).ok).toBe(true);
    expect(validatePriceTable(JSON.parse(JSON.stringify(FLAT))).ok).toBe(true);
  });
});

describe('pricingRegionOf', () => {
  it.each([
    ['US', 'north-america'],
    ['de', 'europe'],
    ['TR', 'europe'],
    ['BR', 'south-america'],
    ['ZA', 'middle-east-africa'],
    ['JP', 'japan'],
    ['NZ', 'australia'],
    ['KR', 'asia-pacific'],
    ['IN', 'india'],
    ['XX', 'unknown'],
  ])('maps %s to %s', (country, region) => {
    expect(pricingRegionOf(country)).toBe(region);
  });
});

describe('validatePriceTable', () => {
  it('names the key path, the expectation and what it found for each problem', () => {
    const r = validatePriceTable({
      name: 'x',
      currency: 'usd',
      bytesPerGB: 1e9,
      fallbackRegion: 'mars',
      regions: {
        eu: [
          { upToGB: 10, perGB: 0.1 },
          { upToGB: 5, perGB: 'cheap' },
          { upToGB: 100, perGB: 0.01 },
        ],
      },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.map(formatPriceTableIssue)).toEqual([
      'currency: expected an ISO 4217 code like "USD", got "usd"',
      'regions.eu[1].perGB: expected a non-negative number, got "cheap"',
      'regions.eu[1].upToGB: expected a number greater than 10 (tiers ascend), got 5',
      'regions.eu[2].upToGB: expected null (the last tier is unbounded), got 100',
      'fallbackRegion: expected the name of one of the regions, got "mars"',
    ]);
  });

  it('rejects something that is not a table at all', () => {
    const r = validatePriceTable([1, 2]);
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual(['(root)']);
  });
});
