/** shield-prefetch's measure: the shield's request hit ratio over the requests the edge missed. */
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../../bench/lib/record.ts';
import { shieldHitRatio } from '../../../bench/scenarios/shield-prefetch.ts';

const rec = (cache: string, shieldCache?: string, status = 200): RequestRecord => ({
  t: 0,
  ttfb: 1,
  ttlb: 1,
  status,
  bytes: 10,
  target: 'edge',
  kind: 'segment',
  object: '/cat/t0000/360p/seg_00001.ts',
  country: 'US',
  scenario: 'on',
  cache,
  ...(shieldCache === undefined ? {} : { shieldCache }),
});

describe('shield-prefetch shield hit ratio', () => {
  it('counts only edge misses, and a prefetched (HIT) or joined (COALESCED) object as a shield hit', () => {
    const r = shieldHitRatio([
      rec('HIT'),
      rec('COALESCED'),
      rec('MISS', 'MISS'),
      rec('MISS', 'HIT'),
      rec('MISS', 'COALESCED'),
      rec('MISS', 'MISS'),
      rec('MISS', 'HIT', 502),
    ]);
    expect(r).toEqual({ requests: 4, hitRatio: 0.5 });
  });
  it('is 0 with no edge misses', () => {
    expect(shieldHitRatio([rec('HIT')])).toEqual({ requests: 0, hitRatio: 0 });
  });
});
