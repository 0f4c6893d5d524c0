/** Prefetch candidates from media playlists and CMCD `nor` (src/core/cache/prefetch-plan.ts). */
import { describe, expect, it } from 'vitest';
import {
  cmcdPrefetchTarget,
  playlistPrefetchTargets,
  resolveReference,
} from '../../../src/core/cache/prefetch-plan.ts';

const media = (uris: string[], endList: boolean) =>
  `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n${uris
    .map((u) => `#EXTINF:2.0,\n${u}\n`)
    .join('')}${endList ? '#EXT-X-ENDLIST\n' : ''}`;

describe('playlistPrefetchTargets', () => {
  it('takes the first N segments of a VOD playlist (EXT-X-ENDLIST), resolved against the playlist', () => {
    const text = media(['s0.ts', 's1.ts', 's2.ts', 's3.ts'], true);
    expect(playlistPrefetchTargets(text, '/vod/360p/index.m3u8', 2)).toEqual([
      { key: '/vod/360p/s0.ts' },
      { key: '/vod/360p/s1.ts' },
    ]);
  });

  it('takes the newest N segments of a live playlist (no EXT-X-ENDLIST)', () => {
    const text = media(['s0.ts', 's1.ts', 's2.ts', 's3.ts'], false);
    expect(playlistPrefetchTargets(text, '/live/a/index.m3u8', 2).map((t) => t.key)).toEqual([
      '/live/a/s2.ts',
      '/live/a/s3.ts',
    ]);
  });

  it('yields nothing for a master playlist, non-playlist text or N = 0', () => {
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n360p/index.m3u8\n';
    expect(playlistPrefetchTargets(master, '/vod/master.m3u8', 3)).toEqual([]);
    expect(playlistPrefetchTargets('<html>', '/vod/x.m3u8', 3)).toEqual([]);
    expect(playlistPrefetchTargets(media(['a.ts'], true), '/v/i.m3u8', 0)).toEqual([]);
  });

  it('skips segments on other hosts and keeps only content query parameters', () => {
    const text = media(
      ['https://cdn.example/a.ts', '//cdn.example/b.ts', '/abs/c.ts?token=1&_HLS_msn=2'],
      true,
    );
    expect(playlistPrefetchTargets(text, '/v/i.m3u8', 5)).toEqual([{ key: '/abs/c.ts?_HLS_msn=2' }]);
  });
});

describe('resolveReference', () => {
  it('resolves dot segments but refuses to climb above the root', () => {
    expect(resolveReference('../540p/s.ts', '/vod/360p/index.m3u8')).toBe('/vod/540p/s.ts');
    expect(resolveReference('../../../etc/passwd', '/vod/index.m3u8')).toBeUndefined();
    expect(resolveReference('%2e%2e/x.ts', '/vod/a/index.m3u8')).toBeUndefined();
  });
});

describe('cmcdPrefetchTarget', () => {
  it('resolves nor relative to the request path (CTA-5004: relative, URL-encoded)', () => {
    expect(cmcdPrefetchTarget('seg_00002.ts', '/vod/ts/360p/seg_00001.ts')).toEqual({
      key: '/vod/ts/360p/seg_00002.ts',
    });
    expect(cmcdPrefetchTarget('..%2F540p%2Fseg_2.ts', '/vod/ts/360p/seg_1.ts')).toEqual({
      key: '/vod/ts/540p/seg_2.ts',
    });
  });

  it('uses the first entry of a CMCD v2 inner list and ignores anything else', () => {
    expect(cmcdPrefetchTarget(['a.ts', 'b.ts'], '/v/x.ts')).toEqual({ key: '/v/a.ts' });
    expect(cmcdPrefetchTarget(42, '/v/x.ts')).toBeUndefined();
    expect(cmcdPrefetchTarget('http://evil.example/a.ts', '/v/x.ts')).toBeUndefined();
  });
});
