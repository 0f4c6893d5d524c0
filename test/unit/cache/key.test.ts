import { describe, expect, it } from 'vitest';
import { cacheKeyUrl } from '../../../src/core/cache/key.ts';

const q = (s: string) => new URLSearchParams(s);

describe('cacheKeyUrl', () => {
  it('is https, the lower-cased host and the normalised path', () => {
    expect(cacheKeyUrl('Edge.Example', '/vod/ts/720p/seg_00001.ts', q(''))).toBe(
      'https://edge.example/vod/ts/720p/seg_00001.ts',
    );
  });

  it('drops token, CMCD and unknown parameters so viewers share one entry', () => {
    const a = cacheKeyUrl('edge.example', '/live/index.m3u8', q('token=aaa&CMCD=br%3D300&foo=1'));
    const b = cacheKeyUrl('edge.example', '/live/index.m3u8', q('token=bbb'));
    expect(a).toBe('https://edge.example/live/index.m3u8');
    expect(b).toBe(a);
  });

  it('keeps LL-HLS delivery directives sorted by name, whatever order they arrived in', () => {
    expect(cacheKeyUrl('edge.example', '/live/index.m3u8', q('_HLS_part=2&token=x&_HLS_msn=10'))).toBe(
      'https://edge.example/live/index.m3u8?_HLS_msn=10&_HLS_part=2',
    );
  });

  it('gives distinct keys to distinct media sequence numbers', () => {
    expect(cacheKeyUrl('e.example', '/i.m3u8', q('_HLS_msn=5'))).not.toBe(
      cacheKeyUrl('e.example', '/i.m3u8', q('_HLS_msn=6')),
    );
  });

  it('keeps a port the host carried instead of guessing a default', () => {
    expect(cacheKeyUrl('127.0.0.1:8787', '/a.ts', q(''))).toBe('https://127.0.0.1:8787/a.ts');
  });
});
