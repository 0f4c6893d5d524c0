/**
 * Edge purge, pure part (src/core/cache/purge.ts): what a purge request names, which stored objects a
 * recorded purge covers, and the Cache-Tag values stored objects carry. Runs on Node and in workerd.
 */
import { describe, expect, it } from 'vitest';
import {
  cacheTagsFor,
  type PurgeEntry,
  parsePurgeTargets,
  purgeCovers,
  type SplitUrl,
} from '../../../src/core/cache/purge.ts';

const split: SplitUrl = (raw) => {
  if (!URL.canParse(raw, 'http://x')) return undefined;
  const url = new URL(raw, 'http://x');
  return { path: url.pathname, params: url.searchParams };
};
const none = { urls: [], prefixes: [] };

describe('parsePurgeTargets', () => {
  it('keys a URL as the cache does: normalised path, content query kept, token and CMCD dropped', () => {
    const r = parsePurgeTargets(
      { url: 'https://edge.example/live//a/index.m3u8?token=abc&CMCD=x&_HLS_msn=5&lang=de' },
      none,
      ['lang'],
      split,
    );
    expect(r).toEqual({ ok: true, value: { urls: ['/live/a/index.m3u8?_HLS_msn=5&lang=de'], prefixes: [] } });
  });

  it('keeps a prefix trailing slash, so /live/ never covers /livestream', () => {
    const r = parsePurgeTargets({ prefixes: ['/live/', '/vod//t1'] }, none, [], split);
    expect(r.ok && r.value.prefixes).toEqual(['/live/', '/vod/t1']);
  });

  it('merges query-string targets with the body and drops duplicates', () => {
    const r = parsePurgeTargets({ url: '/a.ts' }, { urls: ['/a.ts', '/b.ts'], prefixes: ['/c/'] }, [], split);
    expect(r.ok && r.value).toEqual({ urls: ['/a.ts', '/b.ts'], prefixes: ['/c/'] });
  });

  it.each([
    [{}, 'name at least one'],
    [[], 'JSON object'],
    [{ url: 5 }, '"url" must be a string'],
    [{ prefix: 'live/' }, 'starting with /'],
    [{ prefix: '/vod/%2e%2e/' }, 'starting with /'],
    [{ urls: Array.from({ length: 101 }, (_, i) => `/${i}.ts`) }, 'at most 100'],
    [{ url: `/${'x'.repeat(401)}.ts` }, 'at most 400 characters'],
  ])('refuses %j', (body, message) => {
    const r = parsePurgeTargets(body, none, [], split);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe('purgeCovers', () => {
  const entries: PurgeEntry[] = [
    { kind: 'prefix', target: '/vod/t1/', at: 1000 },
    { kind: 'url', target: '/live/index.m3u8', at: 2000 },
  ];
  it('covers objects fetched at or before a matching purge, not after', () => {
    expect(purgeCovers(entries, '/vod/t1/360p/seg_1.ts', 999)).toBe(true);
    expect(purgeCovers(entries, '/vod/t1/360p/seg_1.ts', 1000)).toBe(true);
    expect(purgeCovers(entries, '/vod/t1/360p/seg_1.ts', 1001)).toBe(false);
    expect(purgeCovers(entries, '/vod/t10/seg_1.ts', 0)).toBe(false);
    expect(purgeCovers(entries, '/live/index.m3u8', 1500)).toBe(true);
    expect(purgeCovers(entries, '/live/index.m3u8?_HLS_msn=4', 1500)).toBe(false);
  });
});

describe('cacheTagsFor', () => {
  it('tags an object with each enclosing directory', () => {
    expect(cacheTagsFor('/vod/t1/360p/seg_1.ts')).toEqual([
      'path:/vod/',
      'path:/vod/t1/',
      'path:/vod/t1/360p/',
    ]);
    expect(cacheTagsFor('/master.m3u8')).toEqual([]);
  });
  it('stops at 8 levels', () => {
    expect(cacheTagsFor(`/${'d/'.repeat(12)}x.ts`)).toHaveLength(8);
  });
});
