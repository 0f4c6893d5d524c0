import { describe, expect, it } from 'vitest';
import { playlistFacts } from '../../../src/core/cache/playlist-facts.ts';
import {
  DEFAULT_TTL_CONFIG,
  decideTtl,
  retentionMs,
  type TtlInput,
} from '../../../src/core/cache/ttl-policy.ts';

const LIVE = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2,\nseg_10.ts\n';
const VOD = `${LIVE}#EXT-X-ENDLIST\n`;
const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p/index.m3u8\n';
const LL = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n#EXTINF:2,\nseg_1.ts\n';

const base: TtlInput = {
  kind: 'segment',
  status: 200,
  cacheControl: null,
  cdnCacheControl: null,
  setCookie: false,
};
const decide = (over: Partial<TtlInput>) => decideTtl({ ...base, ...over }, DEFAULT_TTL_CONFIG);
const playlist = (text: string, cacheControl: string | null = null, extra: Partial<TtlInput> = {}) =>
  decide({ kind: 'playlist', playlist: playlistFacts(text), cacheControl, ...extra });

describe('playlistFacts', () => {
  it('reads master, ENDLIST, target duration and part target', () => {
    expect(playlistFacts(MASTER).master).toBe(true);
    expect(playlistFacts(VOD)).toMatchObject({ master: false, endList: true, targetDurationS: 2 });
    expect(playlistFacts(LL).partTargetS).toBe(0.5);
    expect(playlistFacts('#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n').vod).toBe(true);
  });

  it('never throws on garbage', () => {
    expect(playlistFacts('\u0000#EXT-X-TARGETDURATION:abc\n')).toEqual({
      master: false,
      endList: false,
      vod: false,
    });
  });
});

describe('decideTtl: what is fresh for how long', () => {
  it('gives a master playlist the long playlist TTL', () => {
    expect(playlist(MASTER)).toMatchObject({ store: true, rule: 'master', ttlMs: 3_600_000 });
  });

  it('gives a VOD media playlist (ENDLIST) the long playlist TTL', () => {
    expect(playlist(VOD)).toMatchObject({ store: true, rule: 'vod-playlist', ttlMs: 3_600_000 });
  });

  it('gives a live media playlist half its target duration', () => {
    expect(playlist(LIVE)).toMatchObject({ store: true, rule: 'live-playlist', ttlMs: 1000 });
  });

  it('gives an LL-HLS playlist half its part target', () => {
    expect(playlist(LL)).toMatchObject({ store: true, rule: 'll-hls-playlist', ttlMs: 250 });
  });

  it('keys a blocking reload answer for about one target duration, capped by the origin', () => {
    expect(playlist(LL, null, { blockingReload: true })).toMatchObject({
      rule: 'blocking-reload',
      ttlMs: 2000,
    });
    expect(playlist(LL, 'max-age=1', { blockingReload: true })).toMatchObject({ ttlMs: 1000 });
  });

  it('gives segments and parts the long immutable TTL', () => {
    expect(decide({ kind: 'segment' })).toMatchObject({ rule: 'segment', ttlMs: 31_536_000_000 });
    expect(decide({ kind: 'part' })).toMatchObject({ rule: 'segment' });
  });

  it('honours a stricter origin max-age, and s-maxage over max-age', () => {
    expect(playlist(VOD, 'public, max-age=300')).toMatchObject({ ttlMs: 300_000 });
    expect(decide({ cacheControl: 'max-age=600, s-maxage=60' })).toMatchObject({ ttlMs: 60_000 });
  });

  it('never lets a laxer origin exceed the policy', () => {
    expect(playlist(LIVE, 'max-age=3600')).toMatchObject({ ttlMs: 1000 });
  });

  it('lets CDN-Cache-Control replace Cache-Control for the edge (RFC 9213)', () => {
    expect(decide({ cacheControl: 'no-store', cdnCacheControl: 'max-age=30' })).toMatchObject({
      ttlMs: 30_000,
    });
    expect(decide({ cacheControl: 'max-age=30', cdnCacheControl: 'no-store' })).toEqual({
      store: false,
      reason: 'no-store',
    });
  });

  it('negatively caches a 404 for the configured time', () => {
    expect(decide({ status: 404 })).toMatchObject({ store: true, rule: 'negative', ttlMs: 2000, swrMs: 0 });
    expect(decideTtl({ ...base, status: 404 }, { ...DEFAULT_TTL_CONFIG, negativeTtlMs: 0 }).store).toBe(
      false,
    );
    expect(decide({ status: 404, cacheControl: 'no-store' }).store).toBe(false);
  });
});

describe('decideTtl: never stored', () => {
  it.each([
    ['a key', { kind: 'key' }, 'key'],
    ['Set-Cookie', { setCookie: true }, 'set-cookie'],
    ['private', { cacheControl: 'private, max-age=60' }, 'private'],
    ['no-store', { cacheControl: 'no-store' }, 'no-store'],
    ['no-cache', { cacheControl: 'no-cache' }, 'no-cache'],
    ['Vary: *', { varyStar: true }, 'vary-star'],
    ['a 500', { status: 500 }, 'status'],
    ['a 206 slice', { status: 206 }, 'status'],
    ['max-age=0', { cacheControl: 'max-age=0' }, 'zero-ttl'],
  ] as const)('refuses %s', (_name, over, reason) => {
    expect(decide(over as Partial<TtlInput>)).toEqual({ store: false, reason });
  });
});

describe('decideTtl: stale windows', () => {
  it('uses the configured SWR and stale-if-error windows', () => {
    expect(decide({})).toMatchObject({ swrMs: 30_000, staleIfErrorMs: 60_000 });
  });

  it('caps SWR at the TTL for live playlists so they are never served much older than it', () => {
    expect(playlist(LIVE)).toMatchObject({ ttlMs: 1000, swrMs: 1000 });
  });

  it("takes the origin's shorter stale-while-revalidate and stale-if-error (RFC 5861)", () => {
    expect(decide({ cacheControl: 'max-age=60, stale-while-revalidate=5, stale-if-error=7' })).toMatchObject({
      swrMs: 5000,
      staleIfErrorMs: 7000,
    });
  });

  it('serves nothing stale under must-revalidate', () => {
    expect(decide({ cacheControl: 'max-age=60, must-revalidate' })).toMatchObject({
      swrMs: 0,
      staleIfErrorMs: 0,
    });
  });

  it('keeps the stored copy for the TTL plus the longer stale window', () => {
    const d = decide({ cacheControl: 'max-age=10' });
    expect(d.store && retentionMs(d)).toBe(70_000);
  });
});
