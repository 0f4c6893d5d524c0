/**
 * Cache poisoning against the edge (workerd via Miniflare, the real caches.default, a counting fake
 * shield): an attacker requests an object with a variant of headers, query, path, token, country or
 * upstream state, then a victim in another country with its own token fetches the same object. The
 * attempt succeeded when the victim's answer differs from what it should get: not 200, another
 * viewer's token or region rewrite, a missing variant, a cut or altered body, an attacker's header.
 */
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { type EdgeWorker, startEdgeWorker } from '../edge/edge-worker.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { jwksText, makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import type { Row } from './report.ts';

const MASTER =
  '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720\n720p/index.m3u8\n';
const MEDIA =
  '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:2,\nseg.ts\n#EXT-X-ENDLIST\n';
const SEGMENT = 'segment-bytes-0123456789';
const PLAYLIST_HEADERS = {
  'content-type': 'application/vnd.apple.mpegurl',
  'cache-control': 'public, max-age=600',
};
const SEGMENT_HEADERS = { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=600' };
const EVIL = 'evil.example';

type Target = 'master.m3u8' | '360p/index.m3u8' | 'seg.ts';
interface Attack {
  readonly name: string;
  /** Requests the attacker makes for `path` with token `t` (the upstream may be re-routed around them). */
  run(ctx: {
    edge: EdgeWorker;
    shield: CountingUpstream;
    path: string;
    t: string;
    route: () => void;
  }): Promise<void>;
}

async function drain(res: { arrayBuffer(): Promise<ArrayBuffer> }): Promise<void> {
  await res.arrayBuffer().catch(() => undefined);
}

const get = (headers: Record<string, string> = {}, country = 'IN') => ({ headers, cf: { country } });

export const ATTACKS: readonly Attack[] = [
  {
    name: 'query token, capped country',
    run: async (c) => drain(await c.edge.fetch(`${c.path}?token=${c.t}`, get())),
  },
  {
    name: 'path token, EU host mapping',
    run: async (c) => drain(await c.edge.fetch(`/~t/${c.t}${c.path}`, get({}, 'DE'))),
  },
  {
    name: 'Range bytes=0-10',
    run: async (c) => drain(await c.edge.fetch(`${c.path}?token=${c.t}`, get({ range: 'bytes=0-10' }))),
  },
  {
    name: 'HEAD',
    run: async (c) => drain(await c.edge.fetch(`${c.path}?token=${c.t}`, { ...get(), method: 'HEAD' })),
  },
  {
    name: 'Accept-Encoding variants',
    run: async (c) => {
      for (const ae of ['gzip', 'br', 'identity', 'x-evil', 'gzip;q=0, *;q=0'])
        await drain(await c.edge.fetch(`${c.path}?token=${c.t}`, get({ 'accept-encoding': ae })));
    },
  },
  {
    name: 'junk query and CMCD',
    run: async (c) =>
      drain(await c.edge.fetch(`${c.path}?token=${c.t}&x=${EVIL}&CMCD=sid%3D%22${EVIL}%22&cb=1`, get())),
  },
  {
    name: 'bad LL-HLS params',
    run: async (c) =>
      drain(await c.edge.fetch(`${c.path}?token=${c.t}&_HLS_msn=abc&_HLS_part=-1&_HLS_skip=YES`, get())),
  },
  {
    name: 'forwarding headers',
    run: async (c) =>
      drain(
        await c.edge.fetch(
          `${c.path}?token=${c.t}`,
          get({
            'x-forwarded-host': EVIL,
            'x-host': EVIL,
            forwarded: `host=${EVIL}`,
            'x-original-url': `/${EVIL}`,
            'x-forwarded-proto': 'https',
          }),
        ),
      ),
  },
  {
    name: 'other Host',
    run: async (c) =>
      drain(await c.edge.mf.dispatchFetch(`http://${EVIL}${c.path}?token=${c.t}`, { cf: { country: 'IN' } })),
  },
  {
    name: 'path spellings',
    run: async (c) => {
      for (const p of [
        `/${c.path}`,
        c.path.replace(/\/([^/]+)$/, '/./$1'),
        c.path.replace('.', '%2E'),
        c.path.toUpperCase(),
      ])
        await drain(await c.edge.fetch(`${p}?token=${c.t}`, get()));
    },
  },
  {
    name: 'cookie and bearer token',
    run: async (c) =>
      drain(
        await c.edge.fetch(
          c.path,
          get({ cookie: `edgeshield_token=${c.t}`, authorization: `Bearer ${c.t}` }),
        ),
      ),
  },
  {
    name: 'CORS Origin',
    run: async (c) => drain(await c.edge.fetch(`${c.path}?token=${c.t}`, get({ origin: `https://${EVIL}` }))),
  },
  {
    name: 'upstream 500 at attack time',
    run: async (c) => {
      c.shield.route(c.path, { status: 500, body: EVIL });
      await drain(await c.edge.fetch(`${c.path}?token=${c.t}`, get()));
      c.route();
    },
  },
  {
    name: 'upstream Set-Cookie at attack time',
    run: async (c) => {
      c.shield.route(c.path, {
        body: EVIL,
        headers: { 'set-cookie': `s=${EVIL}`, 'cache-control': 'public, max-age=600' },
      });
      await drain(await c.edge.fetch(`${c.path}?token=${c.t}`, get()));
      c.route();
    },
  },
  {
    name: 'conditional request',
    run: async (c) =>
      drain(
        await c.edge.fetch(
          `${c.path}?token=${c.t}`,
          get({ 'if-none-match': '*', 'if-modified-since': 'Thu, 01 Jan 2099 00:00:00 GMT' }),
        ),
      ),
  },
];

/** What is wrong with the victim's answer, or undefined when it is exactly right. */
async function victimProblem(
  edge: EdgeWorker,
  path: string,
  target: Target,
  victimToken: string,
  attacker: string,
  country = 'US',
): Promise<string | undefined> {
  const res = await edge.fetch(`${path}?token=${victimToken}`, {
    cf: { country },
    headers: { origin: 'https://player.example' },
  });
  const body = await res.text();
  if (res.status !== 200) return `status ${res.status}`;
  if (body.includes(attacker) || body.includes(EVIL)) return 'attacker content';
  if (res.headers.get('set-cookie')) return 'set-cookie';
  if ((res.headers.get('access-control-allow-origin') ?? '').includes(EVIL)) return 'attacker origin';
  if (target === 'seg.ts') return body === SEGMENT ? undefined : 'segment bytes';
  if (body.includes('eu.edge.test')) return 'EU rewrite';
  if (target === 'master.m3u8' && !(body.includes('360p/') && body.includes('720p/')))
    return 'variant missing';
  if (!body.includes(`token=${victimToken}`)) return 'victim token missing';
  return undefined;
}

/** Row "cache poisoning": attacks × targets; successes are victims served something else. */
export async function cachePoisoning(attacks: readonly Attack[]): Promise<Row> {
  const key: TestKeyPair = await makeKey('ES256', 'k1');
  const shield = await startCountingUpstream();
  const edge = await startEdgeWorker({
    SHIELD_URLS: shield.url,
    AUTH_JWKS: jwksText(key),
    MANIFEST_POLICIES: JSON.stringify({
      countries: { IN: { maxHeight: 540 } },
      continents: { EU: { origin: 'https://eu.edge.test' } },
    }),
  });
  const exp = Math.floor(Date.now() / 1000) + 600;
  const attacker = await signJwt(crypto.subtle, key.signing, { exp, sub: 'attacker', acl: ['/'] });
  const victim = await signJwt(crypto.subtle, key.signing, { exp, sub: 'victim', acl: ['/'] });
  let tried = 0;
  const problems: string[] = [];
  try {
    // Controls: the victim check sees a capped master and an EU rewrite, or it could never see poison.
    shield.route('/control/master.m3u8', { body: MASTER, headers: PLAYLIST_HEADERS });
    const capped = await victimProblem(edge, '/control/master.m3u8', 'master.m3u8', victim, attacker, 'IN');
    const rewritten = await victimProblem(
      edge,
      '/control/master.m3u8',
      'master.m3u8',
      victim,
      attacker,
      'DE',
    );
    if (capped !== 'variant missing' || rewritten !== 'EU rewrite')
      throw new Error(`poisoning harness: controls gave ${capped} / ${rewritten}`);
    for (const [i, attack] of attacks.entries()) {
      for (const target of ['master.m3u8', '360p/index.m3u8', 'seg.ts'] as const) {
        const path = `/p${i}/${target}`;
        const route = () =>
          target === 'seg.ts'
            ? shield.route(path, { body: SEGMENT, headers: SEGMENT_HEADERS })
            : shield.route(path, {
                body: target === 'master.m3u8' ? MASTER : MEDIA,
                headers: PLAYLIST_HEADERS,
              });
        route();
        tried++;
        await attack.run({ edge, shield, path, t: attacker, route });
        // Twice: once possibly racing the attacker's cache fill, once after it landed.
        for (let round = 0; round < 2; round++) {
          const problem = await victimProblem(edge, path, target, victim, attacker);
          if (problem) {
            problems.push(`${attack.name} → ${target}: ${problem}`);
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  } finally {
    await edge.dispose();
    await shield.close();
  }
  return {
    category: 'cache poisoning attempts (edge)',
    tried,
    badLabel: 'poisoned',
    bad: problems.length,
    ...(problems.length > 0 ? { note: problems.slice(0, 3).join('; ') } : {}),
  };
}
