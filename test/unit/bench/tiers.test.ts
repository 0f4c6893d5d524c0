/**
 * Tier tables count only the requests that reached each tier (issue 13): what reached the shield and
 * the origin is read from the shield's own headers, so an edge refusal (401) or an edge hit is never
 * a shield or origin request. Pure; records are built as bench/http.ts builds them.
 */
import { describe, expect, it } from 'vitest';
import { analyze, timeseries } from '../../../bench/lib/analysis.ts';
import { CLOUDFRONT_ON_DEMAND } from '../../../bench/lib/cost.ts';
import { type RequestRecord, reachedOrigin, reachedShield, servedBy } from '../../../bench/lib/record.ts';

const kindOf = (object: string) => (object.endsWith('.m3u8') ? 'playlist' : 'segment');

function record(fields: Partial<RequestRecord>): RequestRecord {
  return {
    t: 0,
    ttfb: 1,
    ttlb: 2,
    status: 200,
    bytes: 100,
    target: 'edge',
    kind: 'segment',
    object: '/vod/a.ts',
    country: 'US',
    scenario: 'test',
    ...fields,
  };
}

/** What the edge answers a viewer without a token: its own 401, x-cache BYPASS, no shield headers. */
const refused = (object: string) =>
  record({ object, status: 401, bytes: 40, cache: 'BYPASS', errorCode: 'EDGE_ERR_UNAUTHORIZED' });

describe('which tiers a request reached', () => {
  it('an edge 401 reached neither the shield nor the origin and was served by the edge', () => {
    const r = refused('/vod/a.ts');
    expect(reachedShield(r)).toBe(false);
    expect(reachedOrigin(r)).toBe(false);
    expect(servedBy(r)).toBe('edge');
  });

  it('a shield visit is known by x-cache-shield or by shield;dur alone', () => {
    expect(reachedShield({ shieldCache: 'HIT' })).toBe(true);
    expect(reachedShield({ shieldMs: 3 })).toBe(true);
    expect(reachedShield({})).toBe(false);
  });

  it("a shield joiner told the fill's origin;dur did not itself reach the origin", () => {
    expect(reachedOrigin({ shieldCache: 'COALESCED', originMs: 12 })).toBe(false);
    expect(reachedOrigin({ shieldCache: 'MISS', originMs: 12 })).toBe(true);
    expect(reachedOrigin({ shieldCache: 'BYPASS' })).toBe(true);
    expect(reachedOrigin({ shieldCache: 'STALE' })).toBe(false);
  });
});

describe('tier table', () => {
  it('counts a run of 401s as edge requests only, with no hit ratio to claim', () => {
    const records = [refused('/vod/a.ts'), refused('/vod/b.ts'), refused('/vod/c.ts')];
    const a = analyze(records, 'edge', undefined, CLOUDFRONT_ON_DEMAND, kindOf);
    expect(a.tiers.edge.requests).toBe(3);
    expect(a.tiers.shield.requests).toBe(0);
    expect(a.tiers.origin.requests).toBe(0);
    expect(a.combinedHitRatio).toBe(0);
    expect(a.originOffload).toBe(0);
    expect(a.errorsByCode).toEqual({ '401 EDGE_ERR_UNAUTHORIZED': 3 });
    expect(Object.keys(a.latency)).toEqual(['edge']);
  });

  it('splits a mixed run by what each tier reported', () => {
    const records = [
      record({ object: '/vod/a.ts', cache: 'MISS', shieldCache: 'MISS', shieldMs: 5, originMs: 4 }),
      record({ object: '/vod/a.ts', cache: 'HIT' }),
      record({ object: '/vod/b.ts', cache: 'MISS', shieldCache: 'HIT', shieldMs: 1 }),
      refused('/vod/c.ts'),
      record({ object: '/vod/d.ts', status: 0, bytes: 0, errorCode: 'UND_ERR_SOCKET' }),
    ];
    const a = analyze(records, 'edge', undefined, CLOUDFRONT_ON_DEMAND, kindOf);
    expect(a.tiers.edge.requests).toBe(4); // the connection error never got an answer
    expect(a.tiers.edge.hits).toBe(1);
    expect(a.tiers.shield).toMatchObject({ requests: 2, hits: 1 });
    expect(a.tiers.origin.requests).toBe(1);
    // Three responses carried content; one of them came from the origin.
    expect(a.combinedHitRatio).toBeCloseTo(2 / 3, 10);
    expect(a.originRequestsPerObject.segment?.objects).toBe(1);
  });

  it('per-second series measure hit ratios over answered content, not over refusals', () => {
    const [second] = timeseries([
      refused('/vod/a.ts'),
      record({ object: '/vod/b.ts', cache: 'MISS', shieldCache: 'MISS' }),
    ]);
    expect(second).toMatchObject({ requests: 2, errors: 1, combinedHitRatio: 0, edgeHitRatio: 0 });
  });
});
