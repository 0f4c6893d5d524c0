/** How the shield bench folds several interleaved storm rounds into the one row it reports. */
import { describe, expect, it } from 'vitest';
import { medianStorm } from '../../../bench/shield/storms.ts';

const round = (upstreamRequests: number, ok: number, ttlb: number) => ({
  upstreamRequests,
  ok,
  ttfbP50: ttlb / 2,
  ttlbP50: ttlb + 40,
  ownTtfbP50: ttlb / 2 - 10,
  ownTtlbP50: ttlb,
  sentAtP50: 40,
  originFillMs: 700,
  cache: { MISS: 1, COALESCED: ok - 1 },
});

describe('medianStorm', () => {
  it('reports the median timing of the rounds, not the best or the last', () => {
    const folded = medianStorm([round(1, 500, 900), round(1, 500, 760), round(1, 500, 780)]);
    expect(folded?.ownTtlbP50).toBe(780);
    expect(folded?.ttlbP50).toBe(820);
  });
  it('keeps the worst round for the claims that must hold every time', () => {
    const folded = medianStorm([round(1, 500, 780), round(2, 498, 780), round(1, 500, 780)]);
    expect(folded?.upstreamRequests).toBe(2);
    expect(folded?.ok).toBe(498);
  });
  it('adds up the x-cache values of every round', () => {
    expect(medianStorm([round(1, 500, 1), round(1, 500, 1)])?.cache).toEqual({ MISS: 2, COALESCED: 998 });
  });
  it('has no figure without a round', () => {
    expect(medianStorm([])).toBeUndefined();
  });
});
