/**
 * Playlist adversary: seeded mutations of the golden fixtures (real ffmpeg, LL-HLS, encrypted,
 * byte-range, malformed) at line, attribute and byte level, each parsed and personalised for a
 * viewer (token in query, path and EXT-X-DEFINE form) under a region policy. Counts throws and
 * hangs (one rewrite still running after HANG_MS, a liveness bound, not a speed figure).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, type Random } from '../../bench/lib/prng.ts';
import { parsePlaylist } from '../../src/core/hls/parse.ts';
import { personalizeParsed } from '../../src/core/hls/personalize.ts';
import type { TokenPlacement } from '../../src/core/hls/viewer-uris.ts';
import type { Row } from './report.ts';

const HANG_MS = 2000;
const FIXTURES = new URL('../fixtures/manifests/', import.meta.url).pathname;

/** Tags and fragments an adversarial packager might emit, spliced in at random. */
const INSERTS = [
  '#EXT-X-STREAM-INF:BANDWIDTH=99999999999999999999,RESOLUTION=1x99999999',
  '#EXT-X-STREAM-INF:',
  '#EXT-X-KEY:METHOD=AES-128,URI="',
  '#EXT-X-MAP:URI=""',
  '#EXT-X-DEFINE:NAME="token",VALUE="{$token}"',
  '#EXT-X-DEFINE:QUERYPARAM="token"',
  '#EXT-X-PART:DURATION=-1,URI="{$x}"',
  '#EXT-X-MEDIA:TYPE=AUDIO,URI="../../../../etc/passwd",LANGUAGE="fr"',
  '#EXT-X-DATERANGE:ID="a",X-ASSET-URI="javascript:alert(1)"',
  '#EXT-X-SESSION-DATA:DATA-ID="x",URI="//evil.example/x"',
  '#EXTINF:NaN,',
  '#EXTINF:1e309,',
  '#EXT-X-BYTERANGE:99999999999999999999@-1',
  `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${'a'.repeat(70_000)}"`,
  '#EXTM3U',
  'https://evil.example/seg.ts',
  '\u0000\u0000',
  '\uFEFF#EXTM3U',
  '"',
  ',,,,=,=,"',
  '#EXT-X-RENDITION-REPORT:URI="a.m3u8",LAST-MSN=-9',
];
const BYTES = [
  '"',
  ',',
  '=',
  '\n',
  '\r',
  '\r\n',
  '#',
  ':',
  '\u0000',
  '{$',
  '}',
  '%',
  '\\',
  'é',
  '😀',
  '\uD800',
  ' ',
];

function pick<T>(rand: Random, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)] as T;
}

/** One mutation of `text`: 1–4 edits of a randomly chosen kind. */
export function mutatePlaylist(text: string, rand: Random): string {
  let out = text;
  for (let edits = 1 + Math.floor(rand() * 4); edits > 0; edits--) {
    const lines = out.split('\n');
    const at = Math.floor(rand() * lines.length);
    switch (Math.floor(rand() * 7)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, lines[Math.floor(rand() * lines.length)] ?? '');
        break;
      case 2:
        lines.splice(at, 0, pick(rand, INSERTS));
        break;
      case 3: {
        const line = lines[at] ?? '';
        const i = Math.floor(rand() * (line.length + 1));
        lines[at] = `${line.slice(0, i)}${pick(rand, BYTES)}${line.slice(i + (rand() < 0.5 ? 1 : 0))}`;
        break;
      }
      case 4:
        lines.length = at;
        break;
      case 5:
        lines[at] = (lines[at] ?? '').replace(/"/g, rand() < 0.5 ? '' : '""');
        break;
      default:
        lines[at] = (lines[at] ?? '').replace(/\d+/g, () =>
          pick(rand, ['-1', '0', '1e400', '99999999999999999999', '']),
        );
    }
    out = lines.join('\n');
  }
  return out;
}

const TOKENS: readonly TokenPlacement[] = [
  { value: 'tok', form: 'query', param: 'token' },
  { value: 'tok', form: 'path', param: 'token' },
  { value: 'tok', form: 'define', param: 'token' },
];

/** Row "mutated playlists": `count` mutations personalised; throws and hangs both count. */
export function fuzzPlaylists(seed: number, count: number): Row {
  const seeds = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.m3u8') && !f.includes('.expected.'))
    .map((f) => readFileSync(join(FIXTURES, f), 'utf8'));
  const rand = createRandom(seed);
  let throws = 0;
  let hangs = 0;
  const examples: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = mutatePlaylist(pick(rand, seeds), rand);
    const started = performance.now();
    try {
      const parsed = parsePlaylist(text);
      const result = personalizeParsed(text, parsed, {
        requestOrigin: 'https://edge.test',
        playlistPath: '/vod/x/index.m3u8',
        token: pick(rand, TOKENS),
        tokenScope: rand() < 0.5 ? 'all' : 'playlists-and-keys',
        policy: {
          maxHeight: 540,
          maxBandwidth: 3_000_000,
          origin: 'https://eu.edge.test',
          dropLanguages: ['fr'],
        },
      });
      if (typeof result.text !== 'string') throw new TypeError('no text');
    } catch (error) {
      throws++;
      if (examples.length < 2) examples.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
    if (performance.now() - started > HANG_MS) hangs++;
  }
  return {
    category: 'mutated playlists (parse + personalise)',
    tried: count,
    badLabel: 'throws/hangs',
    bad: throws + hangs,
    ...(examples.length > 0 ? { note: examples.join(' | ') } : {}),
  };
}
