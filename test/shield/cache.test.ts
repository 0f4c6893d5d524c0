/** Shield object cache on real sockets: hits, HEAD, Range, storability, LRU eviction, coalescing. */
import { afterEach, describe, expect, it } from 'vitest';
import { IMMUTABLE, type Pair, send, startPair } from './helpers.ts';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const body = (n: number, fill = 'x') => fill.repeat(n);

describe('shield cache', () => {
  it('serves the second GET from cache with Age and only one upstream request', async () => {
    pair = await startPair();
    pair.upstream.route('/vod/seg_1.ts', { body: body(1000), headers: IMMUTABLE });
    const first = await send(pair.shield.url, '/vod/seg_1.ts');
    const second = await send(pair.shield.url, '/vod/seg_1.ts');
    expect(first.status).toBe(200);
    expect(first.header('x-cache')).toBe('MISS');
    expect(first.header('server-timing')).toMatch(/shield;dur=[\d.]+, origin;dur=[\d.]+/);
    expect(second.status).toBe(200);
    expect(second.header('x-cache')).toBe('HIT');
    expect(second.header('age')).toMatch(/^\d+$/);
    expect(second.header('server-timing')).toMatch(/^shield;dur=[\d.]+$/);
    expect(second.header('content-type')).toBe('video/mp2t');
    expect(second.header('cache-control')).toBe(IMMUTABLE['cache-control']);
    expect(second.body.toString()).toBe(body(1000));
    expect(pair.upstream.count('/vod/seg_1.ts')).toBe(1);
  });

  it('reports Age from the injected clock plus the upstream Age', async () => {
    let clock = 1_000_000;
    pair = await startPair({}, { now: () => clock });
    pair.upstream.route('/a.m3u8', {
      body: '#EXTM3U\n',
      headers: { 'cache-control': 'max-age=300', age: '4' },
    });
    await send(pair.shield.url, '/a.m3u8');
    clock += 10_500;
    expect((await send(pair.shield.url, '/a.m3u8')).header('age')).toBe('14');
  });

  it('refetches an object once its max-age and its stale-while-revalidate window have passed', async () => {
    let clock = 1_000_000;
    pair = await startPair({}, { now: () => clock });
    pair.upstream.route('/live.m3u8', {
      body: '#EXTM3U\n',
      headers: { 'cache-control': 'public, max-age=1' },
    });
    await send(pair.shield.url, '/live.m3u8');
    clock += 2_000; // max-age=1 plus the default SWR window, which is capped at the lifetime (1 s)
    expect((await send(pair.shield.url, '/live.m3u8')).header('x-cache')).toBe('MISS');
    expect(pair.upstream.count('/live.m3u8')).toBe(2);
  });

  it('answers HEAD on a cached object with headers only and no upstream request', async () => {
    pair = await startPair();
    pair.upstream.route('/s.ts', { body: body(500), headers: IMMUTABLE });
    await send(pair.shield.url, '/s.ts');
    const head = await send(pair.shield.url, '/s.ts', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.header('x-cache')).toBe('HIT');
    expect(head.header('content-length')).toBe('500');
    expect(head.body.length).toBe(0);
    expect(pair.upstream.count('/s.ts')).toBe(1);
  });

  it('fills the cache on a HEAD miss (upstream GET) so the next GET is a hit', async () => {
    pair = await startPair();
    pair.upstream.route('/h.ts', { body: body(300), headers: IMMUTABLE });
    const head = await send(pair.shield.url, '/h.ts', { method: 'HEAD' });
    expect(head.header('x-cache')).toBe('MISS');
    expect(head.body.length).toBe(0);
    expect(pair.upstream.requests[0]?.method).toBe('GET');
    const get = await send(pair.shield.url, '/h.ts');
    expect(get.header('x-cache')).toBe('HIT');
    expect(get.body.toString()).toBe(body(300));
    expect(pair.upstream.count('/h.ts')).toBe(1);
  });

  it('serves a single Range from cache as 206 with the exact bytes', async () => {
    pair = await startPair();
    const content = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
    pair.upstream.route('/r.ts', { body: content, headers: IMMUTABLE });
    await send(pair.shield.url, '/r.ts');
    const part = await send(pair.shield.url, '/r.ts', { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.header('content-range')).toBe('bytes 100-199/1000');
    expect(part.header('content-length')).toBe('100');
    expect(part.body.toString()).toBe(content.slice(100, 200));
    expect(pair.upstream.count('/r.ts')).toBe(1);
  });

  it('answers 416 with the object size for a Range beyond the end', async () => {
    pair = await startPair();
    pair.upstream.route('/r.ts', { body: body(1000), headers: IMMUTABLE });
    await send(pair.shield.url, '/r.ts');
    const res = await send(pair.shield.url, '/r.ts', { headers: { range: 'bytes=1000-' } });
    expect(res.status).toBe(416);
    expect(res.header('content-range')).toBe('bytes */1000');
  });

  it('never forwards Range upstream and serves a Range miss from the whole object', async () => {
    pair = await startPair();
    pair.upstream.route('/m.ts', { body: '0123456789', headers: IMMUTABLE });
    const res = await send(pair.shield.url, '/m.ts', { headers: { range: 'bytes=2-4' } });
    expect(res.status).toBe(206);
    expect(res.body.toString()).toBe('234');
    expect(pair.upstream.requests[0]?.headers.range).toBeUndefined();
    expect((await send(pair.shield.url, '/m.ts')).header('x-cache')).toBe('HIT');
  });

  it.each([
    ['Cache-Control: private', { 'cache-control': 'private, max-age=60' }, {}],
    ['Cache-Control: no-store', { 'cache-control': 'no-store' }, {}],
    ['Set-Cookie', { 'cache-control': 'public, max-age=60', 'set-cookie': 'sid=1' }, {}],
    // With the default on, such a playlist gets the edge's lifetime (default-ttl.test.ts).
    ['no explicit freshness and SHIELD_DEFAULT_TTL=off', {}, { SHIELD_DEFAULT_TTL: 'off' }],
  ])('does not cache a response with %s', async (_label, headers: Record<string, string>, env) => {
    pair = await startPair(env);
    pair.upstream.route('/p.m3u8', { body: '#EXTM3U\n', headers });
    const first = await send(pair.shield.url, '/p.m3u8');
    const second = await send(pair.shield.url, '/p.m3u8');
    expect(first.header('x-cache')).toBe('BYPASS');
    expect(second.header('x-cache')).toBe('BYPASS');
    expect(second.header('set-cookie')).toBeUndefined();
    expect(pair.upstream.count('/p.m3u8')).toBe(2);
  });

  it('streams objects larger than SHIELD_MAX_OBJECT_BYTES through without caching them', async () => {
    pair = await startPair({ SHIELD_MAX_OBJECT_BYTES: '1000' });
    pair.upstream.route('/big.ts', { body: body(5000), headers: IMMUTABLE });
    const first = await send(pair.shield.url, '/big.ts');
    expect(first.body.length).toBe(5000);
    expect(first.header('x-cache')).toBe('BYPASS');
    await send(pair.shield.url, '/big.ts');
    expect(pair.upstream.count('/big.ts')).toBe(2);
  });

  it('evicts the least recently used object when SHIELD_CACHE_BYTES is exceeded', async () => {
    // Each entry costs its 1000-byte body plus ~100 bytes of key and headers: two fit, three do not.
    pair = await startPair({ SHIELD_CACHE_BYTES: '2500' });
    for (const p of ['/a.ts', '/b.ts', '/c.ts'])
      pair.upstream.route(p, { body: body(1000), headers: IMMUTABLE });
    await send(pair.shield.url, '/a.ts');
    await send(pair.shield.url, '/b.ts');
    expect((await send(pair.shield.url, '/a.ts')).header('x-cache')).toBe('HIT'); // a is now most recent
    await send(pair.shield.url, '/c.ts'); // evicts b
    expect((await send(pair.shield.url, '/a.ts')).header('x-cache')).toBe('HIT');
    expect((await send(pair.shield.url, '/b.ts')).header('x-cache')).toBe('MISS');
    expect(pair.upstream.count('/a.ts')).toBe(1);
    expect(pair.upstream.count('/b.ts')).toBe(2);
  });

  it('lets concurrent misses for one object wait for the first fill instead of going upstream', async () => {
    pair = await startPair();
    pair.upstream.route('/slow.ts', { body: body(2000), headers: IMMUTABLE, delayMs: 200 });
    const results = await Promise.all([1, 2, 3].map(() => send(pair?.shield.url ?? '', '/slow.ts')));
    expect(results.map((r) => r.body.length)).toEqual([2000, 2000, 2000]);
    expect(results.map((r) => r.header('x-cache')).sort()).toEqual(['COALESCED', 'COALESCED', 'MISS']);
    expect(pair.upstream.count('/slow.ts')).toBe(1);
  });
});
