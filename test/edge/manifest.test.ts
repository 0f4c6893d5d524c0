/**
 * Manifest personalisation in workerd (the real Worker, the real caches.default, a counting fake
 * shield): playlists are fetched and cached once, untokenized, and rewritten per viewer (token) and
 * region (country from request.cf) on the way out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { jwksText, makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import { type EdgeWorker, startEdgeWorker, waitUntilCached } from './edge-worker.ts';

const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360',
  '360p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720',
  '720p/index.m3u8',
  '',
].join('\n');
const MEDIA =
  '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI="/keys/k.key"\n#EXTINF:2,\ns0.ts\n';
const POLICIES = JSON.stringify({
  countries: { IN: { maxHeight: 540 } },
  continents: { EU: { origin: 'https://eu.edge.test' } },
});
const VOD_MEDIA = `${MEDIA}#EXT-X-ENDLIST\n`;
const HEADERS = { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'public, max-age=300' };

let shield: CountingUpstream;
let regional: EdgeWorker;
let tokened: EdgeWorker;
let key: TestKeyPair;

const from = (country: string) => ({ cf: { country } });
const uris = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
  shield = await startCountingUpstream();
  const common = { SHIELD_URLS: shield.url, MANIFEST_POLICIES: POLICIES };
  regional = await startEdgeWorker({ ...common, AUTH_MODE: 'off', MANIFEST_ON_PARSE_ERROR: 'reject' });
  tokened = await startEdgeWorker({ ...common, AUTH_JWKS: jwksText(key) });
});

afterAll(async () => {
  await regional?.dispose();
  await tokened?.dispose();
  await shield?.close();
});

describe('per-region playlists from one cached upstream playlist', () => {
  it('gives viewers in different countries different masters from one shield request', async () => {
    shield.route('/r/master.m3u8', { body: MASTER, headers: HEADERS });
    const india = await regional.fetch('/r/master.m3u8', from('IN'));
    const indiaText = await india.text();
    await waitUntilCached(regional, '/r/master.m3u8');
    const germany = await regional.fetch('/r/master.m3u8', from('DE'));
    const germanyText = await germany.text();
    const us = await regional.fetch('/r/master.m3u8', from('US'));

    expect(shield.count('/r/master.m3u8')).toBe(1);
    expect(uris(indiaText)).toEqual(['360p/index.m3u8']);
    expect(india.headers.get('x-edgeshield-policy')).toBe('country:IN');
    expect(uris(germanyText)).toEqual([
      'https://eu.edge.test/r/360p/index.m3u8',
      'https://eu.edge.test/r/720p/index.m3u8',
    ]);
    expect(germany.headers.get('x-cache')).toBe('HIT');
    // No policy for the US: the shared object as the shield sent it (its privacy: next test).
    expect(await us.text()).toBe(MASTER);
  });

  it('marks an unrewritten master private too when any region policy exists', async () => {
    shield.route('/r4/master.m3u8', { body: MASTER, headers: HEADERS });
    // Only IN is capped: the US gets the full master, a per-region answer no shared cache may replay.
    const us = await regional.fetch('/r4/master.m3u8', from('US'));
    expect(await us.text()).toBe(MASTER);
    expect(us.headers.get('cache-control')).toBe('private, max-age=300');
    expect(us.headers.get('x-edgeshield-policy')).toBeNull();
    // The edge's own cache is keyed before the decision and still shares the object.
    await waitUntilCached(regional, '/r4/master.m3u8');
    const again = await regional.fetch('/r4/master.m3u8', from('US'));
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(again.headers.get('cache-control')).toBe('private, max-age=300');
    await again.arrayBuffer();
  });

  it('marks a rewritten playlist private, without the shared Content-Length or ETag', async () => {
    shield.route('/r2/master.m3u8', { body: MASTER, headers: { ...HEADERS, etag: '"v1"' } });
    // identity: the playlist compression middleware would otherwise drop Content-Length for br/gzip.
    const res = await regional.fetch('/r2/master.m3u8', {
      ...from('IN'),
      headers: { 'accept-encoding': 'identity' },
    });
    const body = new Uint8Array(await res.arrayBuffer());
    expect(res.headers.get('cache-control')).toBe('private, max-age=300');
    expect(body.byteLength).toBeLessThan(MASTER.length);
    // The egress byte counter downstream may stream the body chunked (no length at all); what must
    // never go out is the shared object's length on a rewritten body.
    expect([null, String(body.byteLength)]).toContain(res.headers.get('content-length'));
    expect(res.headers.get('etag')).toBeNull();
  });

  it('answers HEAD for a rewritten playlist without the shared Content-Length', async () => {
    shield.route('/r3/master.m3u8', { body: MASTER, headers: HEADERS });
    const res = await regional.fetch('/r3/master.m3u8', { method: 'HEAD', ...from('IN') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('cache-control')).toMatch(/^private/);
  });

  it('answers 502 EDGE_ERR_BAD_PLAYLIST for an unparseable playlist when configured to reject', async () => {
    shield.route('/bad/master.m3u8', { body: 'not a playlist\n', headers: HEADERS });
    const res = await regional.fetch('/bad/master.m3u8', from('IN'));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { code: string }).code).toBe('EDGE_ERR_BAD_PLAYLIST');
  });
});

describe('per-viewer tokens on one cached, untokenized playlist', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (sub: string) => signJwt(crypto.subtle, key.signing, { sub, exp: now() + 600 });

  it('writes each viewer token back in the form it arrived, from one shield request', async () => {
    // VOD (ENDLIST): a live playlist's 1 s edge TTL could lapse between the two viewers on a busy
    // machine and honestly cost a second shield request.
    shield.route('/t/index.m3u8', { body: VOD_MEDIA, headers: HEADERS });
    const [a, b] = await Promise.all([sign('viewer-a'), sign('viewer-b')]);
    const viaQuery = await tokened.fetch(`/t/index.m3u8?token=${a}`, from('IN'));
    const queryText = await viaQuery.text();
    await waitUntilCached(tokened, '/t/index.m3u8');
    const viaPath = await tokened.fetch(`/~t/${b}/t/index.m3u8`, from('DE'));
    const pathText = await viaPath.text();

    expect(shield.count('/t/index.m3u8')).toBe(1);
    expect(queryText).toContain(`s0.ts?token=${a}`);
    expect(queryText).toContain(`URI="/keys/k.key?token=${a}"`);
    expect(pathText).toContain(`https://eu.edge.test/~t/${b}/t/s0.ts`);
    expect(pathText).not.toContain(a);
    expect(viaQuery.headers.get('cache-control')).toBe('private, max-age=300');

    const caches = await tokened.mf.getCaches();
    const stored = await caches.default.match('https://edge.test/t/index.m3u8');
    expect(await stored?.text()).toBe(VOD_MEDIA);
  });

  it('ignores Range on a playlist: the whole personalised 200, on a miss and on a hit', async () => {
    shield.route('/r/index.m3u8', { body: VOD_MEDIA, headers: HEADERS }); // VOD: a long TTL, see above
    const t = await sign('viewer-r');
    for (const range of ['bytes=0-', 'bytes=0-10', 'bytes=-5']) {
      const res = await tokened.fetch(`/r/index.m3u8?token=${t}`, { ...from('DE'), headers: { range } });
      const text = await res.text();
      expect(res.status, range).toBe(200);
      expect(res.headers.get('content-range')).toBeNull();
      expect(res.headers.get('accept-ranges')).toBe('none');
      expect(text).toContain(`https://eu.edge.test/r/s0.ts?token=${t}`);
      expect(res.headers.get('cache-control')).toBe('private, max-age=300');
      await waitUntilCached(tokened, '/r/index.m3u8');
    }
    expect(shield.count('/r/index.m3u8')).toBe(1);
  });
});
