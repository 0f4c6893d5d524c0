import { describe, expect, it } from 'vitest';
import { foldTitle } from '../../../bench/lib/catalogue.ts';
import { phaseStats, traceMismatch } from '../../../bench/lib/phase-compare.ts';
import { createRandom, seedOf } from '../../../bench/lib/prng.ts';
import type { RequestRecord } from '../../../bench/lib/record.ts';
import { tokenFrom, withoutPathToken } from '../../../bench/lib/token.ts';
import type { BenchResponse, IterationContext } from '../../../bench/scenario.ts';
import { tokenChurn } from '../../../bench/scenarios/token-churn.ts';
import { contentQuery } from '../../../src/core/cache/upstream-query.ts';

const MASTER = [
  '#EXTM3U',
  '#EXT-X-STREAM-INF:BANDWIDTH=1032496,RESOLUTION=640x360',
  '360p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=1688240,RESOLUTION=960x540',
  '540p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=2795936,RESOLUTION=1280x720',
  '720p/index.m3u8',
].join('\n');
const MEDIA = [
  '#EXTM3U',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  ...Array.from({ length: 15 }, (_, i) => `#EXTINF:2.0,\nseg_${String(i).padStart(5, '0')}.ts`),
  '#EXT-X-ENDLIST',
].join('\n');

/** Runs one iteration of `exec` against canned playlists, as the runner would seed it; returns what it asked for. */
async function requestsOf(exec: string, vu: number, iteration: number) {
  const asked: { object: string; url: string; headers: Record<string, string> }[] = [];
  const seed = seedOf(1, exec, vu, iteration); // the runner's seeding: the executor's name is in it
  const ctx: IterationContext = {
    vu,
    iteration,
    scenario: exec,
    random: createRandom(seed),
    seed,
    runSeed: 1,
    targets: { edge: 'http://127.0.0.1:1' },
    signal: new AbortController().signal,
    deadline: Number.POSITIVE_INFINITY,
    params: {},
    async get(pathOrUrl, opts = {}): Promise<BenchResponse> {
      const url = new URL(pathOrUrl, 'http://127.0.0.1:1');
      asked.push({
        object: `${withoutPathToken(url.pathname)}${contentQuery(url.searchParams)}`,
        url: url.href,
        headers: opts.headers ?? {},
      });
      const text = url.pathname.endsWith('master.m3u8')
        ? MASTER
        : url.pathname.endsWith('.m3u8')
          ? MEDIA
          : '';
      return { status: 200, headers: {}, text, record: {} as RequestRecord };
    },
    check: (_name, ok) => ok,
    add: () => undefined,
    sleep: async () => undefined,
    now: () => 0,
    sign: async (_path, subject) => `jwt.${subject.sub}.${subject.sid}`,
  };
  const fn = tokenChurn.exec[exec];
  if (fn === undefined) throw new TypeError(`no exec ${exec}`);
  await fn(ctx);
  return asked;
}

describe('token-churn replays one trace in both phases', () => {
  it('asks for the same objects, in the same order, per VU and iteration (titles folded onto one half)', async () => {
    for (let vu = 0; vu < 6; vu++) {
      for (let iteration = 0; iteration < 8; iteration++) {
        const plain = await requestsOf('tokenless', vu, iteration);
        const tokened = await requestsOf('tokens', vu, iteration);
        expect(tokened.map((r) => foldTitle(r.object, 60))).toEqual(plain.map((r) => r.object));
      }
    }
  });

  it('puts a token and CMCD on every tokened request and none on tokenless ones', async () => {
    const plain = await requestsOf('tokenless', 0, 0);
    expect(plain.some((r) => r.url.includes('token=') || r.url.includes('CMCD='))).toBe(false);
    const query = await requestsOf('tokens', 0, 0); // even VU: CMCD as a query parameter
    expect(query.every((r) => r.url.includes('token=') && r.url.includes('CMCD='))).toBe(true);
    const header = await requestsOf('tokens', 1, 0); // odd VU: CMCD headers
    expect(header.every((r) => r.url.includes('token=') && r.headers['cmcd-session'] !== undefined)).toBe(
      true,
    );
    // VUs 2 and 3: path-form token, inherited by every relative URI, never also in the query.
    const path = await requestsOf('tokens', 2, 0);
    expect(path.length).toBeGreaterThan(2);
    expect(
      path.every((r) => new URL(r.url).pathname.startsWith('/~t/jwt.') && !r.url.includes('token=')),
    ).toBe(true);
  });

  it("signs one token per viewer carrying the viewer's sub and session sid", async () => {
    const tokens = new Set<string>();
    for (let vu = 0; vu < 4; vu++) {
      const asked = await requestsOf('tokens', vu, 1);
      const token = tokenFrom(asked[0]?.url ?? '');
      expect(token).toMatch(new RegExp(`^jwt\\.tokens-${vu}-1-[0-9a-z]+\\.sid-tokens-${vu}-1-`));
      tokens.add(token ?? '');
    }
    expect(tokens.size).toBe(4);
  });
});

describe('token forms', () => {
  it('finds the token in a bare token, a query-form and a path-form URL', () => {
    expect(tokenFrom('abc.def')).toBe('abc.def');
    expect(tokenFrom('http://e/vod/ts/master.m3u8?token=abc')).toBe('abc');
    expect(tokenFrom('http://e/~t/abc/vod/ts/master.m3u8')).toBe('abc');
    expect(withoutPathToken('/~t/abc/vod/ts/seg_00001.ts')).toBe('/vod/ts/seg_00001.ts');
    expect(withoutPathToken('/vod/ts/seg_00001.ts')).toBe('/vod/ts/seg_00001.ts');
  });
});

const rec = (object: string, cache: string, kind = 'segment'): RequestRecord => ({
  t: 0,
  ttfb: 1,
  ttlb: 1,
  status: 200,
  bytes: 10,
  target: 'edge',
  kind,
  object,
  country: 'US',
  scenario: 'x',
  cache,
});

describe('phase comparison', () => {
  it('reports measured vs ideal hit ratio and misses beyond compulsory, per kind', () => {
    const s = phaseStats([
      rec('/a/master.m3u8', 'MISS', 'playlist'),
      rec('/a/master.m3u8', 'HIT', 'playlist'),
      rec('/a/s1.ts', 'MISS'),
      rec('/a/s1.ts', 'COALESCED'),
      rec('/a/s2.ts', 'MISS'),
      rec('/a/s2.ts', 'MISS'), // a second miss on one object: what a split key looks like
    ]);
    expect(s.edgeHitRatio).toBe(0.3333);
    expect(s.idealHitRatio).toBe(0.5);
    expect(s.excessMisses).toBe(1);
    expect(s.byKind.playlist).toMatchObject({ requests: 2, edgeHitRatio: 0.5, excessMisses: 0 });
    expect(s.byKind.segment).toMatchObject({ requests: 4, uniqueObjects: 2, excessMisses: 1 });
    expect(s.byKind.segment?.cache).toEqual({ MISS: 3, COALESCED: 1 });
  });

  it('counts unpaired requests between two traces after folding titles', () => {
    expect(foldTitle('/cat/t0061/540p/seg_00001.ts', 60)).toBe('/cat/t0001/540p/seg_00001.ts');
    const a = [rec('/cat/t0001/360p/seg_00000.ts', 'MISS'), rec('/cat/t0001/360p/seg_00001.ts', 'MISS')];
    const same = [rec('/cat/t0061/360p/seg_00001.ts', 'MISS'), rec('/cat/t0061/360p/seg_00000.ts', 'HIT')];
    const other = [rec('/cat/t0061/540p/seg_00000.ts', 'MISS'), rec('/cat/t0061/360p/seg_00001.ts', 'MISS')];
    const fold = (o: string) => foldTitle(o, 60);
    expect(traceMismatch(a, same, fold)).toBe(0);
    expect(traceMismatch(a, other, fold)).toBe(2);
    expect(traceMismatch(a, a.slice(0, 1), fold)).toBe(1);
  });
});
