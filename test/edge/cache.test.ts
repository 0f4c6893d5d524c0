/**
 * Fetch-through-cache in workerd: the real `caches.default`, a counting fake shield on a real socket.
 * Each test uses its own paths so entries never leak between tests.
 */
import { describe, expect, it } from 'vitest';
import { useEdgeWithShield, waitUntilCached } from './edge-worker.ts';

const SEGMENT_BYTES = '0123456789abcdefghijklmnopqrstuvwxyz';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const PLAYLIST = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_00000.ts\n#EXT-X-ENDLIST\n';

function segment(path: string, headers: Record<string, string> = {}): void {
  shield().route(path, {
    body: SEGMENT_BYTES,
    headers: {
      'content-type': 'video/mp2t',
      'cache-control': IMMUTABLE,
      'x-cache': 'MISS',
      'server-timing': 'shield;dur=3, origin;dur=2',
      ...headers,
    },
  });
}

const { shield, edge } = useEdgeWithShield({
  AUTH_MODE: 'off',
  CORS_ORIGINS: '*',
  SHIELD_TIMEOUT_MS: '5000',
  CACHE_NEGATIVE_TTL_S: '30',
});

describe('segments and playlists', () => {
  it('serves the second GET of a segment from the edge cache with one shield request', async () => {
    segment('/vod/hit/seg_00000.ts');
    const first = await edge().fetch('/vod/hit/seg_00000.ts');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(await first.text()).toBe(SEGMENT_BYTES);
    await waitUntilCached(edge(), '/vod/hit/seg_00000.ts');

    const second = await edge().fetch('/vod/hit/seg_00000.ts');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.text()).toBe(SEGMENT_BYTES);
    expect(second.headers.get('content-type')).toBe('video/mp2t');
    expect(shield().count('/vod/hit/seg_00000.ts')).toBe(1);
  });

  it('caches a playlist the same way', async () => {
    shield().route('/vod/hit/index.m3u8', {
      body: PLAYLIST,
      headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'public, max-age=300' },
    });
    await (await edge().fetch('/vod/hit/index.m3u8')).text();
    await waitUntilCached(edge(), '/vod/hit/index.m3u8');
    const second = await edge().fetch('/vod/hit/index.m3u8');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.text()).toBe(PLAYLIST);
    expect(shield().count('/vod/hit/index.m3u8')).toBe(1);
  });

  it('streams a multi-chunk shield body to the viewer and stores the same bytes', async () => {
    shield().route('/vod/chunks/seg.ts', {
      body: ['first-', 'second-', 'third'],
      chunkDelayMs: 30,
      headers: { 'content-type': 'video/mp2t', 'cache-control': IMMUTABLE },
    });
    const miss = await edge().fetch('/vod/chunks/seg.ts');
    expect(await miss.text()).toBe('first-second-third');
    await waitUntilCached(edge(), '/vod/chunks/seg.ts');
    const hit = await edge().fetch('/vod/chunks/seg.ts');
    expect(await hit.text()).toBe('first-second-third');
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(shield().count('/vod/chunks/seg.ts')).toBe(1);
  });

  it("copies the shield's x-cache into x-cache-shield", async () => {
    segment('/vod/xcs/seg.ts', { 'x-cache': 'COALESCED' });
    const res = await edge().fetch('/vod/xcs/seg.ts');
    await res.text();
    expect(res.headers.get('x-cache-shield')).toBe('COALESCED');
    expect(res.headers.get('x-cache')).toBe('MISS');
  });

  it("keeps the shield's Server-Timing entries and appends edge;dur", async () => {
    segment('/vod/timing/seg.ts');
    const res = await edge().fetch('/vod/timing/seg.ts');
    await res.text();
    const timing = res.headers.get('server-timing') ?? '';
    expect(timing).toMatch(/^shield;dur=3, origin;dur=2, edge;dur=\d+$/);
  });

  it('reports only edge timing on a hit, since the shield was not involved', async () => {
    segment('/vod/timing-hit/seg.ts');
    await (await edge().fetch('/vod/timing-hit/seg.ts')).text();
    await waitUntilCached(edge(), '/vod/timing-hit/seg.ts');
    const hit = await edge().fetch('/vod/timing-hit/seg.ts');
    await hit.text();
    expect(hit.headers.get('server-timing')).toMatch(/^edge;dur=\d+$/);
    expect(hit.headers.get('x-cache-shield')).toBeNull();
  });

  it('sets Age on a hit and keeps edge-internal headers private', async () => {
    segment('/vod/age/seg.ts', { age: '7' });
    await (await edge().fetch('/vod/age/seg.ts')).text();
    await waitUntilCached(edge(), '/vod/age/seg.ts');
    const hit = await edge().fetch('/vod/age/seg.ts');
    await hit.text();
    expect(Number(hit.headers.get('age'))).toBeGreaterThanOrEqual(7);
    expect(hit.headers.get('x-edgeshield-stored-at')).toBeNull();
    expect(hit.headers.get('cf-cache-status')).toBeNull();
  });

  it('puts CORS headers on a cache hit', async () => {
    segment('/vod/cors-hit/seg.ts');
    await (await edge().fetch('/vod/cors-hit/seg.ts')).text();
    await waitUntilCached(edge(), '/vod/cors-hit/seg.ts');
    const hit = await edge().fetch('/vod/cors-hit/seg.ts', { headers: { origin: 'https://player.example' } });
    await hit.text();
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.headers.get('access-control-allow-origin')).toBe('*');
    expect(hit.headers.get('access-control-expose-headers')).toContain('x-cache');
  });
});

describe('what is never cached', () => {
  it('fetches a key through every time as private, no-store', async () => {
    shield().route('/vod/keys/k1.key', {
      body: 'sixteen-byte-key',
      headers: { 'content-type': 'application/octet-stream', 'cache-control': 'public, max-age=3600' },
    });
    for (let i = 0; i < 2; i++) {
      const res = await edge().fetch('/vod/keys/k1.key');
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('sixteen-byte-key');
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(res.headers.get('x-cache')).toBe('BYPASS');
    }
    expect(shield().count('/vod/keys/k1.key')).toBe(2);
  });

  it('does not store a response that sets a cookie', async () => {
    segment('/vod/cookie/seg.ts', { 'set-cookie': 'session=abc' });
    for (let i = 0; i < 2; i++) {
      const res = await edge().fetch('/vod/cookie/seg.ts');
      await res.text();
      expect(res.headers.get('x-cache')).toBe('BYPASS');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(shield().count('/vod/cookie/seg.ts')).toBe(2);
  });

  it('does not store a private response', async () => {
    segment('/vod/private/index.m3u8', { 'cache-control': 'private, max-age=60' });
    for (let i = 0; i < 2; i++) {
      const res = await edge().fetch('/vod/private/index.m3u8');
      await res.text();
      expect(res.headers.get('x-cache')).toBe('BYPASS');
      expect(res.headers.get('cache-control')).toBe('private, max-age=60');
    }
    expect(shield().count('/vod/private/index.m3u8')).toBe(2);
  });

  it('passes a no-store shield 404 through without caching it', async () => {
    shield().route('/vod/missing/seg.ts', {
      status: 404,
      body: 'gone',
      headers: { 'cache-control': 'no-store' },
    });
    for (let i = 0; i < 2; i++) {
      const res = await edge().fetch('/vod/missing/seg.ts');
      await res.text();
      expect(res.status).toBe(404);
      expect(res.headers.get('x-cache')).toBe('BYPASS');
    }
    expect(shield().count('/vod/missing/seg.ts')).toBe(2);
  });

  it('negatively caches a 404 without no-store for CACHE_NEGATIVE_TTL_S', async () => {
    const first = await edge().fetch('/vod/negative/seg.ts');
    await first.text();
    expect(first.status).toBe(404);
    expect(first.headers.get('x-cache')).toBe('MISS');
    await waitUntilCached(edge(), '/vod/negative/seg.ts');
    const second = await edge().fetch('/vod/negative/seg.ts');
    expect(second.status).toBe(404);
    expect(await second.text()).toBe('not found');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(shield().count('/vod/negative/seg.ts')).toBe(1);
  });
});

describe('Range and HEAD', () => {
  it('answers a Range on a cached segment with 206 and exactly those bytes', async () => {
    segment('/vod/range/seg.ts');
    await (await edge().fetch('/vod/range/seg.ts')).text();
    await waitUntilCached(edge(), '/vod/range/seg.ts');
    const res = await edge().fetch('/vod/range/seg.ts', { headers: { range: 'bytes=2-5' } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe('2345');
    expect(res.headers.get('content-range')).toBe(`bytes 2-5/${SEGMENT_BYTES.length}`);
    expect(res.headers.get('x-cache')).toBe('HIT');
    expect(shield().count('/vod/range/seg.ts')).toBe(1);
  });

  it('answers an unsatisfiable Range on a cached segment with 416 and the full length', async () => {
    segment('/vod/range-416/seg.ts');
    await (await edge().fetch('/vod/range-416/seg.ts')).text();
    await waitUntilCached(edge(), '/vod/range-416/seg.ts');
    const res = await edge().fetch('/vod/range-416/seg.ts', { headers: { range: 'bytes=100-200' } });
    await res.text();
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${SEGMENT_BYTES.length}`);
    expect(shield().count('/vod/range-416/seg.ts')).toBe(1);
  });

  it('answers a Range on a miss from the whole object, which it stores', async () => {
    segment('/vod/range-miss/seg.ts');
    const res = await edge().fetch('/vod/range-miss/seg.ts', { headers: { range: 'bytes=10-' } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe(SEGMENT_BYTES.slice(10));
    expect(res.headers.get('x-cache')).toBe('MISS');
    // The shield was asked for the whole object, not the slice.
    const request = shield().requests.find((r) => r.url === '/vod/range-miss/seg.ts');
    expect(request?.headers.range).toBeUndefined();

    await waitUntilCached(edge(), '/vod/range-miss/seg.ts');
    const whole = await edge().fetch('/vod/range-miss/seg.ts');
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe(SEGMENT_BYTES);
    expect(whole.headers.get('x-cache')).toBe('HIT');
    expect(shield().count('/vod/range-miss/seg.ts')).toBe(1);
  });

  it('answers HEAD on a cached segment without asking the shield', async () => {
    segment('/vod/head/seg.ts');
    await (await edge().fetch('/vod/head/seg.ts')).text();
    await waitUntilCached(edge(), '/vod/head/seg.ts');
    const res = await edge().fetch('/vod/head/seg.ts', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('HIT');
    expect(res.headers.get('content-length')).toBe(String(SEGMENT_BYTES.length));
    expect(await res.text()).toBe('');
    expect(shield().count('/vod/head/seg.ts')).toBe(1);
  });

  it('fills the cache on a HEAD miss with a GET to the shield', async () => {
    segment('/vod/head-miss/seg.ts');
    const res = await edge().fetch('/vod/head-miss/seg.ts', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('MISS');
    expect(await res.text()).toBe('');
    expect(shield().requests.find((r) => r.url === '/vod/head-miss/seg.ts')?.method).toBe('GET');
    await waitUntilCached(edge(), '/vod/head-miss/seg.ts');
    const get = await edge().fetch('/vod/head-miss/seg.ts');
    expect(await get.text()).toBe(SEGMENT_BYTES);
    expect(shield().count('/vod/head-miss/seg.ts')).toBe(1);
  });
});

describe('cache key', () => {
  it('shares one entry between URLs that differ only in token or unknown parameters', async () => {
    segment('/vod/query/seg.ts');
    await (await edge().fetch('/vod/query/seg.ts?token=viewer-a&foo=1')).text();
    await waitUntilCached(edge(), '/vod/query/seg.ts');
    const second = await edge().fetch('/vod/query/seg.ts?token=viewer-b&foo=2');
    await second.text();
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(shield().count('/vod/query/seg.ts')).toBe(1);
    expect(
      shield()
        .requests.filter((r) => r.url.startsWith('/vod/query/'))
        .map((r) => r.url),
    ).toEqual(['/vod/query/seg.ts']);
  });

  it('keeps distinct _HLS_msn values as distinct shield requests', async () => {
    shield().route('/live/msn/index.m3u8', {
      body: PLAYLIST,
      headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'public, max-age=1' },
    });
    await (await edge().fetch('/live/msn/index.m3u8?_HLS_msn=5&token=a')).text();
    await (await edge().fetch('/live/msn/index.m3u8?_HLS_msn=6&token=a')).text();
    const urls = shield()
      .requests.filter((r) => r.url.startsWith('/live/msn/'))
      .map((r) => r.url);
    expect(urls).toEqual(['/live/msn/index.m3u8?_HLS_msn=5', '/live/msn/index.m3u8?_HLS_msn=6']);
  });
});
