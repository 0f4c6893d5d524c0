/**
 * Microbenchmark (issue 4): parse + personalise (rewrite) + serialize of a generated 2,000-segment
 * live media playlist and a 10-variant master, as the edge does per playlist response. Reports
 * ops/s and p50/p99 per op. Not a test: it asserts nothing; `npm run bench:manifest`.
 *
 * `per request` rows are what the edge adds to each playlist response: the parse is shared per
 * isolate (parse memo), so only rewrite + serialize run per viewer.
 *
 * Each op is timed alone with performance.now() after a warm-up, so p99 includes GC pauses.
 */
import { parsePlaylist } from '../../src/core/hls/parse.ts';
import {
  type PersonalizeOptions,
  personalizeParsed,
  personalizePlaylistText,
} from '../../src/core/hls/personalize.ts';
import { serializePlaylist } from '../../src/core/hls/serialize.ts';

const TOKEN =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ2aWV3ZXItNDIiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJl';
const WARMUP = 500;
const RUNS = Number(process.env.BENCH_RUNS ?? 3000);

/** A live LL-less media playlist: EXTINF + URI per segment, a PDT every `pdtEvery` segments. */
function livePlaylist(segments: number, pdtEvery: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:100000'];
  lines.push('#EXT-X-MAP:URI="init.mp4"');
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < segments; i++) {
    if (i % pdtEvery === 0) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(t0 + i * 2000).toISOString()}`);
    lines.push('#EXTINF:2.000,', `seg_${100000 + i}.m4s`);
  }
  return `${lines.join('\n')}\n`;
}

function master(variants: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  lines.push(
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="en",LANGUAGE="en",DEFAULT=YES,URI="audio/en.m3u8"',
  );
  lines.push('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="fr",LANGUAGE="fr",URI="audio/fr.m3u8"');
  for (let i = 0; i < variants; i++) {
    const h = 144 + i * 108;
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${400000 + i * 600000},RESOLUTION=${Math.round((h * 16) / 9)}x${h},CODECS="avc1.640028,mp4a.40.2",AUDIO="aac"`,
      `v${i}/index.m3u8`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Stats {
  readonly name: string;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bytes: number;
}

function measure(name: string, bytes: number, op: () => unknown): Stats {
  for (let i = 0; i < WARMUP; i++) op();
  const times = new Float64Array(RUNS);
  const start = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    op();
    times[i] = performance.now() - t;
  }
  const total = performance.now() - start;
  times.sort();
  const at = (q: number) => times[Math.min(RUNS - 1, Math.floor(q * RUNS))] ?? Number.NaN;
  return { name, opsPerSec: (RUNS / total) * 1000, p50Ms: at(0.5), p99Ms: at(0.99), bytes };
}

const viewer: PersonalizeOptions = {
  requestOrigin: 'https://edge.example',
  playlistPath: '/live/fmp4/720p/index.m3u8',
  token: { value: TOKEN, form: 'query', param: 'token' },
};
const region: PersonalizeOptions = {
  ...viewer,
  policy: { origin: 'https://eu.edge.example', maxHeight: 720, dropLanguages: ['fr'] },
};

const live = livePlaylist(2000, 2000);
const livePdt = livePlaylist(2000, 1);
const ten = master(10);
// The edge parses each cached playlist text once per isolate (src/edge/manifest/parse-memo.ts), so
// what it adds per viewer request is rewrite + serialize on a shared parse.
const liveParsed = parsePlaylist(live);
const liveRegionParsed = parsePlaylist(live);
const results = [
  measure('parse+serialize  2000-seg live (round trip)', live.length, () =>
    serializePlaylist(parsePlaylist(live).playlist),
  ),
  measure('personalise      2000-seg live, query token', live.length, () =>
    personalizePlaylistText(live, viewer),
  ),
  measure('personalise      2000-seg live, token + EU host', live.length, () =>
    personalizePlaylistText(live, region),
  ),
  measure('per request      2000-seg live, query token (edge)', live.length, () =>
    personalizeParsed(live, liveParsed, viewer),
  ),
  measure('per request      2000-seg live, token + EU host (edge)', live.length, () =>
    personalizeParsed(live, liveRegionParsed, region),
  ),
  measure('personalise      2000-seg live + PDT per segment', livePdt.length, () =>
    personalizePlaylistText(livePdt, viewer),
  ),
  measure('personalise      10-variant master, token + caps', ten.length, () =>
    personalizePlaylistText(ten, region),
  ),
];

console.log(`manifest microbench — node ${process.version}, ${RUNS} runs after ${WARMUP} warm-up`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(50)} ${(r.bytes / 1024).toFixed(0).padStart(4)} KiB  ${r.opsPerSec.toFixed(0).padStart(7)} ops/s  p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms`,
  );
}
if (process.env.BENCH_JSON === '1') console.log(JSON.stringify(results));
