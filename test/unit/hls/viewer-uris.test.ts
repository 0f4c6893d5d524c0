/**
 * Token injection and host mapping for one viewer (src/core/hls/viewer-uris.ts). Node and workerd.
 */
import { describe, expect, it } from 'vitest';
import type { UriContext } from '../../../src/core/hls/rewrite.ts';
import { resolve, viewerUriMapper, withQueryParam } from '../../../src/core/hls/viewer-uris.ts';

const ctx = (kind: UriContext['kind']): UriContext => ({
  kind,
  tag: undefined,
  attribute: undefined,
  line: 0,
});
const base = { requestOrigin: 'https://edge.test', playlistPath: '/vod/a/index.m3u8' } as const;
const query = { value: 'T', form: 'query', param: 'token' } as const;
const path = { value: 'T', form: 'path', param: 'token' } as const;

describe('viewerUriMapper — query form', () => {
  const map = viewerUriMapper({ ...base, token: query });
  it.each([
    ['seg.ts', 'seg.ts?token=T'],
    ['seg.ts?x=1', 'seg.ts?x=1&token=T'],
    ['seg.ts?token=old&x=1', 'seg.ts?x=1&token=T'],
    ['/abs/seg.ts', '/abs/seg.ts?token=T'],
    ['https://edge.test/seg.ts', 'https://edge.test/seg.ts?token=T'],
    ['https://EDGE.test/seg.ts#f', 'https://EDGE.test/seg.ts?token=T#f'],
  ])('%s → %s', (input, output) => {
    expect(map(input, ctx('media'))).toBe(output);
  });

  it('never sends the token to another host or another scheme', () => {
    expect(map('https://ads.example/ad.m3u8', ctx('other'))).toBe('https://ads.example/ad.m3u8');
    expect(map('//cdn.other/x.ts', ctx('media'))).toBe('//cdn.other/x.ts');
    expect(map('skd://asset-1', ctx('key'))).toBe('skd://asset-1');
    expect(map('data:text/plain,hi', ctx('other'))).toBe('data:text/plain,hi');
  });
});

describe('viewerUriMapper — path form', () => {
  const map = viewerUriMapper({ ...base, token: path });
  it('leaves relative URIs alone: they resolve under the /~t/<token>/ playlist URL', () => {
    expect(map('seg.ts', ctx('media'))).toBe('seg.ts');
    expect(map('../b/index.m3u8', ctx('playlist'))).toBe('../b/index.m3u8');
  });

  it('prefixes root-relative and same-host absolute URIs', () => {
    expect(map('/keys/k.key', ctx('key'))).toBe('/~t/T/keys/k.key');
    expect(map('https://edge.test/x/s.ts?q=1', ctx('media'))).toBe('https://edge.test/~t/T/x/s.ts?q=1');
  });
});

describe('viewerUriMapper — define form', () => {
  it('writes the {$token} variable reference, not the token', () => {
    const map = viewerUriMapper({ ...base, token: { value: 'T', form: 'define', param: 'token' } });
    expect(map('seg.ts', ctx('media'))).toBe('seg.ts?token={$token}');
  });
});

describe('viewerUriMapper — host mapping and token scope', () => {
  it('moves every URI of ours to the region origin, resolving relative ones', () => {
    const map = viewerUriMapper({ ...base, token: query, origin: 'https://eu.edge.test' });
    expect(map('../b/seg.ts', ctx('media'))).toBe('https://eu.edge.test/vod/b/seg.ts?token=T');
    expect(map('https://edge.test/k.key', ctx('key'))).toBe('https://eu.edge.test/k.key?token=T');
  });

  it('with originScope media, keeps playlists on the request host', () => {
    const map = viewerUriMapper({ ...base, origin: 'https://m.test', originScope: 'media' });
    expect(map('v.m3u8', ctx('playlist'))).toBe('v.m3u8');
    expect(map('s.ts', ctx('media'))).toBe('https://m.test/vod/a/s.ts');
  });

  it('keeps the token on keys and playlists when media goes out tokenless', () => {
    const map = viewerUriMapper({ ...base, token: path, tokenScope: 'playlists-and-keys' });
    expect(map('k.key', ctx('key'))).toBe('k.key');
    expect(map('/k.key', ctx('key'))).toBe('/~t/T/k.key');
    // Relative media would resolve under the token prefix: made root-relative without it.
    expect(map('seg.ts', ctx('media'))).toBe('/vod/a/seg.ts');
  });

  it('percent-encodes a token that is not URL-safe', () => {
    const map = viewerUriMapper({ ...base, token: { value: 'a b&c', form: 'query', param: 'token' } });
    expect(map('s.ts', ctx('media'))).toBe('s.ts?token=a%20b%26c');
  });
});

describe('resolve (RFC 3986 §5.2.4 remove_dot_segments)', () => {
  it.each([
    ['/a/b/', 'c.ts', '/a/b/c.ts'],
    ['/a/b/', '../c.ts?x=../y', '/a/c.ts?x=../y'],
    ['/a/b/', './c/./d.ts', '/a/b/c/d.ts'],
    ['/a/', '../../../c.ts', '/c.ts'],
    ['/a/b/', '{$v}/c.ts', '/a/b/{$v}/c.ts'],
  ])('%s + %s → %s', (dir, rel, out) => {
    expect(resolve(dir, rel)).toBe(out);
  });
});

describe('withQueryParam', () => {
  it('replaces a bare parameter name too', () => {
    expect(withQueryParam('a?token&b=1', 'token', 'v')).toBe('a?b=1&token=v');
  });
});
