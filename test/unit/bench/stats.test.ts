import { describe, expect, it } from 'vitest';
import { CLOUDFRONT_ON_DEMAND, costByRegion } from '../../../bench/lib/cost.ts';
import {
  simulateBelady,
  simulateInfinite,
  simulateLru,
  type TraceRequest,
} from '../../../bench/lib/ideal-cache.ts';
import { percentileOfSorted, trendStats } from '../../../bench/lib/percentiles.ts';
import { createRandom, pickWeighted, seedOf } from '../../../bench/lib/prng.ts';
import { parseServerTiming, servedBy } from '../../../bench/lib/record.ts';
import { createZipf } from '../../../bench/lib/zipf.ts';

describe('percentiles', () => {
  it('interpolates between closest ranks like k6', () => {
    expect(percentileOfSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileOfSorted([10], 99)).toBe(10);
    expect(percentileOfSorted([], 95)).toBe(0);
  });
  it('sorts numerically, not lexicographically', () => {
    const s = trendStats([100, 9, 20]);
    expect([s.min, s.med, s.max]).toEqual([9, 20, 100]);
    expect(trendStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])['p(90)']).toBeCloseTo(9.1, 10);
  });
});

describe('seeded sampling', () => {
  it('gives the same stream for the same seed and a different one for another', () => {
    const a = createRandom(seedOf(1, 'vu', 3));
    const b = createRandom(seedOf(1, 'vu', 3));
    const c = createRandom(seedOf(1, 'vu', 4));
    const take = (r: () => number) => Array.from({ length: 5 }, r);
    expect(take(a)).toEqual(take(b));
    expect(take(createRandom(seedOf(1, 'vu', 3)))).not.toEqual(take(c));
  });
  it('draws Zipf ranks deterministically with the head most popular', () => {
    const draw = createZipf(100, 1);
    const r1 = createRandom(7);
    const r2 = createRandom(7);
    const xs = Array.from({ length: 5000 }, () => draw(r1));
    expect(Array.from({ length: 5000 }, () => draw(r2))).toEqual(xs);
    const count = (k: number) => xs.filter((x) => x === k).length;
    expect(count(0)).toBeGreaterThan(count(1));
    expect(count(1)).toBeGreaterThan(count(9));
    // P(rank 0) = 1 / H(100) ≈ 0.193
    expect(count(0) / xs.length).toBeCloseTo(0.193, 1);
    expect(Math.max(...xs)).toBeLessThan(100);
  });
  it('picks weighted entries in proportion', () => {
    const r = createRandom(3);
    const picks = Array.from({ length: 4000 }, () => pickWeighted({ a: 3, b: 1 }, r));
    expect(picks.filter((p) => p === 'a').length / 4000).toBeCloseTo(0.75, 1);
  });
});

describe('ideal hit ratio', () => {
  const t = (keys: string, bytes = 1): TraceRequest[] => [...keys].map((key) => ({ key, bytes }));
  it('counts only compulsory misses for an infinite cache', () => {
    expect(simulateInfinite(t('abab')).hits).toBe(2);
  });
  it('LRU with room for one object misses alternating keys every time', () => {
    expect(simulateLru(t('abab'), 1).hits).toBe(0);
    expect(simulateLru(t('aab'), 1).hits).toBe(1);
  });
  it('Belady keeps the object used again soonest', () => {
    // capacity 2: LRU thrashes; OPT keeps a and b and never admits c (used furthest ahead): 4 hits.
    const trace = t('abcabcabc');
    expect(simulateLru(trace, 2).hits).toBe(0);
    expect(simulateBelady(trace, 2).hits).toBe(4);
  });
  it('is never worse than LRU and never better than infinite on a Zipf trace', () => {
    const draw = createZipf(200, 0.9);
    const r = createRandom(11);
    const trace = Array.from({ length: 3000 }, () => {
      const k = draw(r);
      return { key: `o${k}`, bytes: 100 + (k % 7) * 50 };
    });
    const cap = 5_000;
    const lru = simulateLru(trace, cap);
    const opt = simulateBelady(trace, cap);
    expect(opt.hitRatio).toBeGreaterThanOrEqual(lru.hitRatio);
    expect(opt.hitRatio).toBeLessThanOrEqual(simulateInfinite(trace).hitRatio);
  });
  it('never stores an object larger than the capacity', () => {
    expect(
      simulateLru(
        [
          { key: 'a', bytes: 5 },
          { key: 'a', bytes: 5 },
        ],
        4,
      ).hits,
    ).toBe(0);
    expect(
      simulateBelady(
        [
          { key: 'a', bytes: 5 },
          { key: 'a', bytes: 5 },
        ],
        4,
      ).hits,
    ).toBe(0);
  });
});

describe('tiers and cost', () => {
  it('reads Server-Timing entries', () => {
    expect(parseServerTiming('shield;dur=3, origin;dur=10.5, edge;dur=15')).toEqual({
      shield: 3,
      origin: 10.5,
      edge: 15,
    });
  });
  it('attributes a response to the tier that served it', () => {
    expect(servedBy({ target: 'edge', cache: 'HIT' })).toBe('edge');
    expect(servedBy({ target: 'edge', cache: 'MISS', shieldCache: 'COALESCED' })).toBe('shield');
    expect(servedBy({ target: 'edge', cache: 'MISS', shieldCache: 'MISS' })).toBe('origin');
    expect(servedBy({ target: 'edge' })).toBe('unknown');
  });
  it('prices egress with the ledger table by CloudFront region (GB = 2^30 bytes, as AWS bills)', () => {
    const gb = 2 ** 30;
    const cost = costByRegion(CLOUDFRONT_ON_DEMAND, { US: gb, DE: gb, IN: 2 * gb, ZZ: gb });
    expect(cost.find((c) => c.region === 'north-america')?.usd).toBeCloseTo(0.17, 10); // US + unknown ZZ
    expect(cost.find((c) => c.region === 'europe')?.usd).toBeCloseTo(0.085, 10);
    expect(cost.find((c) => c.region === 'india')?.usdPerGb).toBeCloseTo(0.109, 10);
    expect(cost[0]?.region).toBe('india');
  });
});
