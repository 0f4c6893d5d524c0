/**
 * Property: for random valid playlists, after personalising with a token and a region host, every
 * URI-bearing attribute and line carries the token and points at the mapped host, and every other
 * byte is unchanged. Hand-rolled generator over a fixed-seed PRNG (bench/lib/prng.ts, no dependency);
 * Node and workerd.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../bench/lib/prng.ts';
import { personalizePlaylistText } from '../../../src/core/hls/personalize.ts';
import { rewritePlaylist } from '../../../src/core/hls/rewrite.ts';

function generate(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const uri = (ext: string) =>
    pick([
      `s${Math.floor(rand() * 1e4)}.${ext}`,
      `../r/s.${ext}?q=${Math.floor(rand() * 9)}`,
      `/root/a b.${ext}`,
      `https://edge.test/abs/x.${ext}`,
      `sub/./deep/../x.${ext}?token=stale`,
    ]);
  const eol = pick(['\n', '\r\n']);
  const lines = ['#EXTM3U'];
  if (rand() < 0.5) {
    lines.push('#EXT-X-VERSION:7', `#EXT-X-SESSION-KEY:METHOD=AES-128,URI="${uri('key')}"`);
    lines.push(`#EXT-X-CONTENT-STEERING:SERVER-URI="${uri('json')}",PATHWAY-ID="A"`);
    for (let i = 0, n = 1 + Math.floor(rand() * 5); i < n; i++) {
      lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="n${i}",URI="${uri('m3u8')}"`);
      lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${1000 + i},CODECS="avc1.4d401e,mp4a.40.2"`, uri('m3u8'));
      if (rand() < 0.3) lines.push(`# comment ${i}`, `#EXT-X-UNKNOWN:V="${i}"`);
      if (rand() < 0.3) lines.push(`#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9,URI="${uri('m3u8')}"`);
      if (rand() < 0.2) lines.push(`#EXT-X-SESSION-DATA:DATA-ID="d${i}",URI="${uri('json')}"`);
    }
  } else {
    lines.push('#EXT-X-TARGETDURATION:4', '#EXT-X-MEDIA-SEQUENCE:3', `#EXT-X-MAP:URI="${uri('mp4')}"`);
    for (let i = 0, n = 1 + Math.floor(rand() * 30); i < n; i++) {
      if (rand() < 0.1) lines.push(`#EXT-X-KEY:METHOD=AES-128,URI="${uri('key')}",IV=0x${i}`);
      if (rand() < 0.1)
        lines.push(
          `#EXT-X-DATERANGE:ID="${i}",START-DATE="2024-01-01T00:00:00Z",X-ASSET-URI="${uri('m3u8')}"`,
        );
      if (rand() < 0.3) lines.push(`#EXT-X-PART:DURATION=1,URI="${uri('mp4')}",INDEPENDENT=YES`);
      if (rand() < 0.1) lines.push('', '# gap');
      lines.push(`#EXTINF:${(rand() * 4).toFixed(3)},`, uri('mp4'));
    }
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${uri('mp4')}"`);
    lines.push(`#EXT-X-RENDITION-REPORT:URI="${uri('m3u8')}",LAST-MSN=1`);
  }
  return lines.join(eol) + (rand() < 0.8 ? eol : '');
}

/** The URIs of a playlist, and its text with every URI replaced by a placeholder. */
function split(text: string): { uris: string[]; skeleton: string } {
  const uris: string[] = [];
  const skeleton = rewritePlaylist(text, () => ({
    mapUri: (u) => {
      uris.push(u);
      return '\u0001';
    },
  })).text;
  return { uris, skeleton };
}

describe('property: personalised playlists', () => {
  const rand = createRandom(20260401);
  const cases = Array.from({ length: 150 }, () => generate(rand));
  const base = { requestOrigin: 'https://edge.test', playlistPath: '/vod/p/index.m3u8' } as const;

  it('query token + region host: every URI is on the mapped host and carries the token, nothing else changed', () => {
    for (const text of cases) {
      const out = personalizePlaylistText(text, {
        ...base,
        token: { value: 'TOK', form: 'query', param: 'token' },
        policy: { origin: 'https://eu.edge.test' },
      });
      expect(out.issues.filter((i) => i.fatal)).toEqual([]);
      const before = split(text);
      const after = split(out.text);
      expect(after.skeleton).toBe(before.skeleton);
      expect(after.uris).toHaveLength(before.uris.length);
      for (const u of after.uris) {
        expect(u.startsWith('https://eu.edge.test/')).toBe(true);
        expect(u.match(/[?&]token=TOK(&|$)/g)).toHaveLength(1);
        expect(u).not.toContain('stale');
      }
    }
  });

  it('path token + region host: every URI starts with the mapped host and the /~t/ prefix', () => {
    for (const text of cases) {
      const out = personalizePlaylistText(text, {
        ...base,
        token: { value: 'TOK', form: 'path', param: 'token' },
        policy: { origin: 'https://eu.edge.test' },
      });
      const after = split(out.text);
      expect(after.skeleton).toBe(split(text).skeleton);
      for (const u of after.uris) expect(u.startsWith('https://eu.edge.test/~t/TOK/')).toBe(true);
    }
  });
});
