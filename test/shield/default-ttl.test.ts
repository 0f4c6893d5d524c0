/**
 * Origins that say nothing about freshness (a plain file server): the shield gives their segments and
 * playlists the edge's default lifetimes (SHIELD_DEFAULT_TTL), and nothing else changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Pair, send, startPair } from './helpers.ts';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

// What a plain file server sends: a type and validators, no Cache-Control, no Expires.
const PLAIN = { 'content-type': 'video/mp2t', 'last-modified': 'Wed, 21 Oct 2026 07:28:00 GMT' };
const LIVE = '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:6,\nseg10.ts\n';
const VOD = '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\nseg0.ts\n#EXT-X-ENDLIST\n';

describe('default freshness for origins without cache headers', () => {
  it('caches a segment the origin sent without Cache-Control: the second request is a HIT', async () => {
    pair = await startPair();
    pair.upstream.route('/plain/seg0.ts', { body: 'x'.repeat(4000), headers: PLAIN });
    const first = await send(pair.shield.url, '/plain/seg0.ts');
    const second = await send(pair.shield.url, '/plain/seg0.ts');
    expect(first.header('x-cache')).toBe('MISS');
    expect(second.header('x-cache')).toBe('HIT');
    expect(second.body.length).toBe(4000);
    expect(pair.upstream.count('/plain/seg0.ts')).toBe(1);
  });

  it('keeps a segment for the segment default (a year), not a heuristic', async () => {
    let clock = 1_000_000;
    pair = await startPair({}, { now: () => clock });
    pair.upstream.route('/plain/seg1.ts', { body: 'y'.repeat(100), headers: PLAIN });
    await send(pair.shield.url, '/plain/seg1.ts');
    clock += 300 * 86_400_000;
    expect((await send(pair.shield.url, '/plain/seg1.ts')).header('x-cache')).toBe('HIT');
    expect(pair.upstream.count('/plain/seg1.ts')).toBe(1);
  });

  it.each([
    [
      'a live playlist after half its target duration (EXT-X-TARGETDURATION:6 → 3 s)',
      '/live/v.m3u8',
      LIVE,
      3_000,
    ],
    ['a VOD playlist (ENDLIST) after the playlist default (1 h)', '/vod/v.m3u8', VOD, 3_600_000],
  ])('expires %s', async (_label, path, body, lifetimeMs) => {
    let clock = 1_000_000;
    pair = await startPair({ SHIELD_STALE_WHILE_REVALIDATE_SEC: '0' }, { now: () => clock });
    pair.upstream.route(path, { body, headers: {} });
    expect((await send(pair.shield.url, path)).header('x-cache')).toBe('MISS');
    clock += lifetimeMs - 100;
    expect((await send(pair.shield.url, path)).header('x-cache')).toBe('HIT');
    expect(pair.upstream.count(path)).toBe(1);
    clock += 100;
    expect((await send(pair.shield.url, path)).header('x-cache')).toBe('MISS');
    expect(pair.upstream.count(path)).toBe(2);
  });

  it('does not keep an LL-HLS playlist whose half part target is under a second, and still answers HEAD', async () => {
    pair = await startPair();
    const ll = '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PART-INF:PART-TARGET=1.0\n#EXTINF:4,\nseg1.ts\n';
    pair.upstream.route('/ll/v.m3u8', { body: ll, headers: {} });
    const head = await send(pair.shield.url, '/ll/v.m3u8', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.header('content-length')).toBe(String(ll.length));
    expect((await send(pair.shield.url, '/ll/v.m3u8')).body.toString()).toBe(ll);
    expect(pair.upstream.count('/ll/v.m3u8')).toBe(2);
  });

  it('applies per-kind overrides (SHIELD_DEFAULT_PLAYLIST_TTL_SEC)', async () => {
    let clock = 1_000_000;
    pair = await startPair(
      { SHIELD_STALE_WHILE_REVALIDATE_SEC: '0', SHIELD_DEFAULT_PLAYLIST_TTL_SEC: '10' },
      { now: () => clock },
    );
    pair.upstream.route('/vod/o.m3u8', { body: VOD, headers: {} });
    await send(pair.shield.url, '/vod/o.m3u8');
    clock += 10_000;
    expect((await send(pair.shield.url, '/vod/o.m3u8')).header('x-cache')).toBe('MISS');
    expect(pair.upstream.count('/vod/o.m3u8')).toBe(2);
  });

  it.each([
    ['Cache-Control: no-store', { 'cache-control': 'no-store' }],
    ['Cache-Control: private', { 'cache-control': 'private' }],
    ['Cache-Control: max-age=0', { 'cache-control': 'max-age=0' }],
    ['Expires in the past', { expires: 'Thu, 01 Jan 1970 00:00:00 GMT' }],
  ])('still bypasses a segment the origin sent with %s', async (_label, headers: Record<string, string>) => {
    pair = await startPair();
    pair.upstream.route('/ns/seg.ts', { body: 'z'.repeat(500), headers });
    expect((await send(pair.shield.url, '/ns/seg.ts')).header('x-cache')).toBe('BYPASS');
    expect((await send(pair.shield.url, '/ns/seg.ts')).header('x-cache')).toBe('BYPASS');
    expect(pair.upstream.count('/ns/seg.ts')).toBe(2);
  });

  it.each([
    ['a key', '/k/aes.key'],
    ['an unknown kind', '/k/page.html'],
  ])('gives %s no default', async (_label, path) => {
    pair = await startPair();
    pair.upstream.route(path, { body: 'k'.repeat(16), headers: {} });
    await send(pair.shield.url, path);
    expect((await send(pair.shield.url, path)).header('x-cache')).toBe('BYPASS');
    expect(pair.upstream.count(path)).toBe(2);
  });

  it('bypasses as before with SHIELD_DEFAULT_TTL=off', async () => {
    pair = await startPair({ SHIELD_DEFAULT_TTL: 'off' });
    pair.upstream.route('/plain/off.ts', { body: 'o'.repeat(100), headers: PLAIN });
    await send(pair.shield.url, '/plain/off.ts');
    expect((await send(pair.shield.url, '/plain/off.ts')).header('x-cache')).toBe('BYPASS');
    expect(pair.upstream.count('/plain/off.ts')).toBe(2);
  });

  it('revalidates an expired live playlist with If-Modified-Since and keeps the default from a 304', async () => {
    let clock = 1_000_000;
    pair = await startPair({ SHIELD_STALE_WHILE_REVALIDATE_SEC: '0' }, { now: () => clock });
    const lm = 'Wed, 21 Oct 2026 07:28:00 GMT';
    pair.upstream.route('/live/r.m3u8', { body: LIVE, headers: { 'last-modified': lm } });
    await send(pair.shield.url, '/live/r.m3u8');
    pair.upstream.route('/live/r.m3u8', { status: 304, headers: { 'last-modified': lm } });
    clock += 3_000;
    const revalidated = await send(pair.shield.url, '/live/r.m3u8');
    expect(revalidated.body.toString()).toBe(LIVE);
    expect(pair.upstream.requests[1]?.headers['if-modified-since']).toBe(lm);
    clock += 2_900;
    expect((await send(pair.shield.url, '/live/r.m3u8')).header('x-cache')).toBe('HIT');
    expect(pair.upstream.count('/live/r.m3u8')).toBe(2);
  });
});
