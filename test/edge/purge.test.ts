/**
 * `POST /purge` in workerd (issue 13): the real `caches.default` and a real KV purge log (PURGE_LOG),
 * two counting shields on real sockets. After a purge by URL or by prefix the next viewer request is
 * a MISS that reaches a shield again; the purge is forwarded to every shield with the shield
 * credential; without the Bearer secret nothing is purged. Each test uses its own paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { type EdgeWorker, startEdgeWorker, waitUntilCached } from './edge-worker.ts';

const PURGE_SECRET = 'purge-secret-0123456789abcdef';
const SHIELD_SECRET = 'shield-secret-0123456789abcdef';
const IMMUTABLE = 'public, max-age=31536000, immutable';

let shields: CountingUpstream[] = [];
let edge: EdgeWorker;

beforeAll(async () => {
  shields = await Promise.all([startCountingUpstream(), startCountingUpstream()]);
  for (const s of shields)
    s.route('/purge', { body: '{"purged":1,"fills":0}', headers: { 'content-type': 'application/json' } });
  edge = await startEdgeWorker(
    {
      AUTH_MODE: 'off',
      SHIELD_URLS: shields.map((s) => s.url).join(','),
      SHIELD_SHARED_SECRET: SHIELD_SECRET,
      EDGE_PURGE_SECRET: PURGE_SECRET,
      PURGE_POLL_S: '1',
      EGRESS_STDOUT: 'off',
    },
    { bindings: { PURGE_LOG: { type: 'kv', id: 'purge-log' } } },
  );
});
afterAll(async () => {
  await edge?.dispose();
  await Promise.all(shields.map((s) => s.close()));
});

/** A segment both shields can serve (rendezvous picks one per key). */
function segment(path: string): void {
  for (const s of shields)
    s.route(path, {
      body: `bytes of ${path}`,
      headers: { 'content-type': 'video/mp2t', 'cache-control': IMMUTABLE },
    });
}
const shieldRequests = (path: string) => shields.reduce((n, s) => n + s.count(path), 0);
const purgeRequests = (s: CountingUpstream) =>
  s.requests.filter((r) => r.method === 'POST' && r.url === '/purge');

async function get(path: string): Promise<string | null> {
  const res = await edge.fetch(path);
  await res.arrayBuffer();
  return res.headers.get('x-cache');
}

/** Fetches `path` into the edge cache and checks the second read is a HIT from one shield fetch. */
async function cached(path: string): Promise<void> {
  segment(path);
  expect(await get(path)).toBe('MISS');
  await waitUntilCached(edge, path);
  expect(await get(path)).toBe('HIT');
  expect(shieldRequests(path)).toBe(1);
}

function purge(body: unknown, authorization = `Bearer ${PURGE_SECRET}`) {
  return edge.fetch('/purge', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === '' ? {} : { authorization }) },
    body: JSON.stringify(body),
  });
}

describe('POST /purge', () => {
  it('purges one URL: the next request is a MISS that reaches a shield again', async () => {
    await cached('/vod/url1/seg_00001.ts');
    const res = await purge({ url: '/vod/url1/seg_00001.ts' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { purged: unknown; shields: { shield: number; status: number }[] };
    expect(body.purged).toEqual({ urls: ['/vod/url1/seg_00001.ts'], prefixes: [] });
    expect(body.shields).toEqual([
      { shield: 1, status: 200, purged: 1 },
      { shield: 2, status: 200, purged: 1 },
    ]);
    expect(await get('/vod/url1/seg_00001.ts')).toBe('MISS');
    expect(shieldRequests('/vod/url1/seg_00001.ts')).toBe(2);
  });

  it('purges a prefix: every object under it is fetched again, others stay cached', async () => {
    await cached('/vod/pre1/360p/seg_00001.ts');
    await cached('/vod/pre1/720p/seg_00001.ts');
    await cached('/vod/pre2/360p/seg_00001.ts');
    const res = await purge({ prefix: '/vod/pre1/' });
    expect(res.status).toBe(200);
    expect(await get('/vod/pre1/360p/seg_00001.ts')).toBe('MISS');
    expect(await get('/vod/pre1/720p/seg_00001.ts')).toBe('MISS');
    expect(await get('/vod/pre2/360p/seg_00001.ts')).toBe('HIT');
    expect(shieldRequests('/vod/pre1/360p/seg_00001.ts')).toBe(2);
    expect(shieldRequests('/vod/pre2/360p/seg_00001.ts')).toBe(1);
    // Refilled after the purge: cached again.
    await waitUntilCached(edge, '/vod/pre1/360p/seg_00001.ts');
    expect(await get('/vod/pre1/360p/seg_00001.ts')).toBe('HIT');
  });

  it('forwards the purge to every shield with the shield credential', async () => {
    const before = shields.map((s) => purgeRequests(s).length);
    await purge({ prefixes: ['/vod/fwd/'], urls: ['/live/fwd/index.m3u8?_HLS_msn=3&token=x'] });
    for (const [i, s] of shields.entries()) {
      const sent = purgeRequests(s);
      expect(sent.length).toBe((before[i] ?? 0) + 1);
      const last = sent.at(-1);
      expect(last?.headers['x-edgeshield-auth']).toBe(SHIELD_SECRET);
      // Keyed as the caches key it: the token is gone, the LL-HLS directive stays.
      expect(JSON.parse(last?.body ?? '{}')).toEqual({
        urls: ['/live/fwd/index.m3u8?_HLS_msn=3'],
        prefixes: ['/vod/fwd/'],
      });
    }
  });

  it('sees a purge another isolate recorded in the shared log within PURGE_POLL_S', async () => {
    await cached('/vod/kv1/seg_00001.ts');
    // What another isolate or colo would have written: the KV record, nothing in this isolate.
    const kv = await edge.mf.getKVNamespace('PURGE_LOG');
    await kv.put('purge:prefix:/vod/kv1/', '', { metadata: { at: Date.now() } });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await get('/vod/kv1/seg_00001.ts')).toBe('MISS');
    expect(shieldRequests('/vod/kv1/seg_00001.ts')).toBe(2);
  });

  it('refuses a purge without a Bearer credential (401) and purges nothing', async () => {
    await cached('/vod/anon/seg_00001.ts');
    const before = shields.map((s) => purgeRequests(s).length);
    const res = await purge({ prefix: '/vod/anon/' }, '');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_PURGE_UNAUTHORIZED' });
    expect(shields.map((s) => purgeRequests(s).length)).toEqual(before);
    expect(await get('/vod/anon/seg_00001.ts')).toBe('HIT');
  });

  it('refuses a wrong secret (403), including the viewer-facing shield header', async () => {
    await cached('/vod/wrong/seg_00001.ts');
    const wrong = await purge({ prefix: '/vod/wrong/' }, 'Bearer not-the-secret');
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ code: 'EDGE_ERR_PURGE_FORBIDDEN' });
    const viaShieldHeader = await edge.fetch('/purge', {
      method: 'POST',
      headers: { 'x-edgeshield-auth': SHIELD_SECRET },
      body: '{"prefix":"/vod/wrong/"}',
    });
    expect(viaShieldHeader.status).toBe(401);
    expect(await get('/vod/wrong/seg_00001.ts')).toBe('HIT');
  });

  it('answers 400 with a detail for a request that names nothing valid', async () => {
    const res = await purge({ prefix: 'vod/no-slash' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'EDGE_ERR_PURGE_BAD_REQUEST',
      detail: expect.stringContaining('must be a valid path starting with /'),
    });
  });

  it('answers 502 EDGE_ERR_PURGE_INCOMPLETE naming the shield that did not confirm', async () => {
    const failing = shields[1];
    failing?.route('/purge', { status: 500, body: '{"code":"SHIELD_ERR_INTERNAL"}' });
    try {
      const res = await purge({ prefix: '/vod/partial/' });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({
        code: 'EDGE_ERR_PURGE_INCOMPLETE',
        shields: [
          { shield: 1, status: 200 },
          { shield: 2, status: 500 },
        ],
      });
    } finally {
      failing?.route('/purge', {
        body: '{"purged":1,"fills":0}',
        headers: { 'content-type': 'application/json' },
      });
    }
  });

  it('stores Cache-Tag path tags for a Cloudflare tag purge and never sends them to viewers', async () => {
    await cached('/vod/tags/360p/seg_00001.ts');
    const caches = await edge.mf.getCaches();
    const stored = await caches.default.match('https://edge.test/vod/tags/360p/seg_00001.ts');
    await stored?.arrayBuffer();
    expect(stored?.headers.get('cache-tag')).toBe('path:/vod/,path:/vod/tags/,path:/vod/tags/360p/');
    const res = await edge.fetch('/vod/tags/360p/seg_00001.ts');
    await res.arrayBuffer();
    expect(res.headers.get('cache-tag')).toBeNull();
  });
});

describe('POST /purge without a purge log or secret', () => {
  let bare: EdgeWorker;
  beforeAll(async () => {
    bare = await startEdgeWorker({
      AUTH_MODE: 'off',
      SHIELD_URLS: 'http://127.0.0.1:9',
      EGRESS_STDOUT: 'off',
    });
  });
  afterAll(() => bare?.dispose());

  it('answers 503 EDGE_ERR_PURGE_UNAVAILABLE', async () => {
    const res = await bare.fetch('/purge', {
      method: 'POST',
      headers: { authorization: 'Bearer x' },
      body: '{}',
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_PURGE_UNAVAILABLE' });
  });
});

describe('POST /purge with only a short shield secret', () => {
  let short: EdgeWorker;
  beforeAll(async () => {
    short = await startEdgeWorker(
      {
        AUTH_MODE: 'off',
        SHIELD_URLS: 'http://127.0.0.1:9',
        SHIELD_SHARED_SECRET: 's',
        EGRESS_STDOUT: 'off',
      },
      { bindings: { PURGE_LOG: { type: 'kv', id: 'purge-log-short' } } },
    );
  });
  afterAll(() => short?.dispose());

  it('answers 503 EDGE_ERR_PURGE_UNAVAILABLE to that secret: it is no purge credential', async () => {
    const res = await short.fetch('/purge', {
      method: 'POST',
      headers: { authorization: 'Bearer s', 'content-type': 'application/json' },
      body: '{"prefix":"/vod/"}',
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_PURGE_UNAVAILABLE' });
  });
});

describe('POST /purge with a full purge log', () => {
  let full: EdgeWorker;
  beforeAll(async () => {
    full = await startEdgeWorker(
      {
        AUTH_MODE: 'off',
        SHIELD_URLS: shields[0]?.url ?? '',
        EDGE_PURGE_SECRET: PURGE_SECRET,
        EGRESS_STDOUT: 'off',
      },
      { bindings: { PURGE_LOG: { type: 'kv', id: 'purge-log-full' } } },
    );
    const kv = await full.mf.getKVNamespace('PURGE_LOG');
    for (let i = 0; i < 1000; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          kv.put(`purge:prefix:/full/${i + j}/`, '', { metadata: { at: 1 } }),
        ),
      );
  }, 60_000);
  afterAll(() => full?.dispose());

  const purgeFull = (body: unknown) =>
    full.fetch('/purge', {
      method: 'POST',
      headers: { authorization: `Bearer ${PURGE_SECRET}` },
      body: JSON.stringify(body),
    });

  it('refuses a new target with 503 EDGE_ERR_PURGE_LOG_FULL but re-purges a recorded one', async () => {
    const res = await purgeFull({ prefix: '/vod/new/' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_PURGE_LOG_FULL' });
    const again = await purgeFull({ prefix: '/full/7/' });
    expect(again.status).toBe(200);
  });
});
