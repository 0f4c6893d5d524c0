import { describe, expect, it } from 'vitest';
import { contentKindOf, contentTypeOf } from '../../../src/core/hls/content-kind.ts';

describe('contentKindOf', () => {
  it.each([
    ['/vod/master.m3u8', 'playlist'],
    ['/vod/720p/seg_00001.ts', 'segment'],
    ['/vod/720p/seg_00001.m4s', 'segment'],
    ['/vod/720p/init.mp4', 'segment'],
    ['/vod/subs/en.vtt', 'segment'],
    ['/keys/k1.key', 'key'],
    ['/robots.txt', 'other'],
    ['/vod/.m3u8', 'other'],
    ['/VOD/MASTER.M3U8', 'playlist'],
  ] as const)('%s is a %s', (path, kind) => {
    expect(contentKindOf(path)).toBe(kind);
  });
});

describe('contentTypeOf', () => {
  it('serves playlists with the HLS media type (RFC 8216 §4)', () => {
    expect(contentTypeOf('/a/b.m3u8')).toBe('application/vnd.apple.mpegurl');
  });

  it('serves MPEG-TS segments as video/mp2t', () => {
    expect(contentTypeOf('/a/b.ts')).toBe('video/mp2t');
  });

  it('falls back to octet-stream for unknown extensions', () => {
    expect(contentTypeOf('/a/b.bin')).toBe('application/octet-stream');
  });
});
