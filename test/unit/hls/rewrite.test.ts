/**
 * URI rewriting: every URI-bearing place (RFC 8216bis §4.4) goes through mapUri, nothing else moves,
 * and EXT-X-DEFINE:QUERYPARAM is inserted with the version it needs. Node and workerd.
 */
import { describe, expect, it } from 'vitest';
import { rewritePlaylist, type UriContext } from '../../../src/core/hls/rewrite.ts';

const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:6',
  '#EXT-X-SESSION-KEY:METHOD=AES-128,URI="sk.key"',
  '#EXT-X-SESSION-DATA:DATA-ID="d",URI="d.json"',
  '#EXT-X-CONTENT-STEERING:SERVER-URI="steer.json"',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="en.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=1',
  'v.m3u8',
  '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="if.m3u8"',
  '',
].join('\n');

const MEDIA = [
  '#EXTM3U',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-KEY:METHOD=AES-128,URI="k.key",IV=0x01',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXT-X-DATERANGE:ID="i",START-DATE="2024-01-01T00:00:00Z",X-ASSET-URI="ad.m3u8",X-ASSET-LIST="ads.json"',
  '#EXTINF:4,',
  's.mp4',
  '#EXT-X-PART:DURATION=1,URI="p.mp4"',
  '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="h.mp4"',
  '#EXT-X-RENDITION-REPORT:URI="../r.m3u8",LAST-MSN=1',
  '',
].join('\n');

function collect(text: string): [string, UriContext['kind'], string | undefined, string | undefined][] {
  const seen: [string, UriContext['kind'], string | undefined, string | undefined][] = [];
  rewritePlaylist(text, () => ({
    mapUri: (u, ctx) => {
      seen.push([u, ctx.kind, ctx.tag, ctx.attribute]);
      return u;
    },
  }));
  return seen;
}

describe('rewritePlaylist', () => {
  it('visits every URI of a master playlist with its kind', () => {
    expect(collect(MASTER)).toEqual([
      ['sk.key', 'key', 'EXT-X-SESSION-KEY', 'URI'],
      ['d.json', 'other', 'EXT-X-SESSION-DATA', 'URI'],
      ['steer.json', 'other', 'EXT-X-CONTENT-STEERING', 'SERVER-URI'],
      ['en.m3u8', 'playlist', 'EXT-X-MEDIA', 'URI'],
      ['v.m3u8', 'playlist', undefined, undefined],
      ['if.m3u8', 'playlist', 'EXT-X-I-FRAME-STREAM-INF', 'URI'],
    ]);
  });

  it('visits every URI of an LL-HLS media playlist with its kind', () => {
    expect(collect(MEDIA).map(([u, k]) => `${k}:${u}`)).toEqual([
      'key:k.key',
      'media:init.mp4',
      'other:ad.m3u8',
      'other:ads.json',
      'media:s.mp4',
      'media:p.mp4',
      'media:h.mp4',
      'playlist:../r.m3u8',
    ]);
  });

  it('changes only URI values: every other byte stays', () => {
    const out = rewritePlaylist(MEDIA, () => ({ mapUri: (u) => `@@${u}` })).text;
    expect(out.replace(/@@/g, '')).toBe(MEDIA);
  });

  it('returns the input text itself and changed=false when the mapper changes nothing', () => {
    const r = rewritePlaylist(MEDIA, () => ({ mapUri: (u) => u }));
    expect(r).toMatchObject({ text: MEDIA, changed: false, rewritten: true });
  });

  it('percent-encodes a double quote written into a quoted-string (RFC 8216 §4.2)', () => {
    const out = rewritePlaylist(MEDIA, () => ({
      mapUri: (u, c) => (c.tag === 'EXT-X-MAP' ? 'a"b.mp4' : u),
    })).text;
    expect(out).toContain('#EXT-X-MAP:URI="a%22b.mp4"');
  });

  it('drops the requested lines', () => {
    const out = rewritePlaylist(MASTER, () => ({ drop: new Set([6, 7]) })).text;
    expect(out).not.toContain('v.m3u8');
    expect(out).not.toContain('STREAM-INF:BANDWIDTH=1\n');
  });

  // RFC 8216bis §4.4.2.3: QUERYPARAM "the value of the variable is the value of the query parameter
  // named by the attribute ... in the URI of the Playlist"; §8: EXT-X-DEFINE needs version 8.
  it('inserts EXT-X-DEFINE:QUERYPARAM after #EXTM3U and raises EXT-X-VERSION to 8', () => {
    const out = rewritePlaylist(MASTER, () => ({ defineQueryParam: 'token' })).text;
    expect(out.split('\n').slice(0, 3)).toEqual([
      '#EXTM3U',
      '#EXT-X-DEFINE:QUERYPARAM="token"',
      '#EXT-X-VERSION:8',
    ]);
  });

  it('adds EXT-X-VERSION:8 when the playlist has no version tag', () => {
    const out = rewritePlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8', () => ({
      defineQueryParam: 'token',
    })).text;
    expect(out).toBe(
      '#EXTM3U\n#EXT-X-VERSION:8\n#EXT-X-DEFINE:QUERYPARAM="token"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8',
    );
  });

  it('does not rewrite a playlist with fatal issues', () => {
    const text = 'a.ts\n';
    const r = rewritePlaylist(text, () => ({ mapUri: () => 'changed' }));
    expect(r).toMatchObject({ text, rewritten: false, changed: false });
    expect(r.issues[0]?.fatal).toBe(true);
  });
});
