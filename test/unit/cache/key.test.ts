import { describe, expect, it } from 'vitest';
import { cacheKeyUrl, isKeyableParam, keyQuery, NEVER_KEYED_PARAMS } from '../../../src/core/cache/key.ts';

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

  it('keeps _HLS_skip (delta playlist requests are different content)', () => {
    expect(cacheKeyUrl('e.example', '/i.m3u8', q('_HLS_skip=YES'))).toBe(
      'https://e.example/i.m3u8?_HLS_skip=YES',
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

  it('keeps configured filter parameters, sorted among the HLS directives', () => {
    expect(cacheKeyUrl('e.example', '/i.m3u8', q('lang=de&token=x&_HLS_msn=3&zz=1'), ['lang'])).toBe(
      'https://e.example/i.m3u8?_HLS_msn=3&lang=de',
    );
  });
});

describe('keyQuery', () => {
  it('is empty when nothing content-changing is present', () => {
    expect(keyQuery(q('token=a&CMCD=sid%3D%22x%22&_=123&cb=9'), ['lang'])).toBe('');
  });

  it('keeps the first value of a repeated parameter', () => {
    expect(keyQuery(q('_HLS_msn=1&_HLS_msn=2'))).toBe('?_HLS_msn=1');
  });

  it('form-encodes values as URLSearchParams does', () => {
    expect(keyQuery(q('lang=a b&x=1'), ['lang'])).toBe('?lang=a+b');
  });

  it('matches HLS directives case-sensitively (RFC 8216bis §6.2.5 names)', () => {
    expect(keyQuery(q('_hls_msn=5'))).toBe('');
  });

  it('never keys a token, CMCD or cache-buster name even when configured', () => {
    expect(keyQuery(q('token=a&CMCD=x&_=1&lang=en'), ['token', 'CMCD', '_', 'lang'])).toBe('?lang=en');
  });

  it.each(NEVER_KEYED_PARAMS)('refuses %s as a key parameter', (name) => {
    expect(isKeyableParam(name)).toBe(false);
    expect(keyQuery(q(`${name}=v`), [name])).toBe('');
  });
});
