/**
 * Geo rules in workerd: countries allowed, blocked (403 and 451 + Link), unknown/Tor policy, the
 * token's own geo claim, and no cross-country leak through the edge cache. `cf` is what Cloudflare
 * would put on request.cf; Miniflare's dispatchFetch takes it directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { jwksText, makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import { type EdgeWorker, logsWith, startEdgeWorker, waitUntilCached } from './edge-worker.ts';

const RULES = [
  { prefix: '/vod/', deny: { countries: ['FR'] }, status: 451, blockedBy: 'https://rights.example/vod' },
  { prefix: '/vod/us/', allow: { regions: ['US-CA'] } },
  { prefix: '/live/', allow: { countries: ['DE'] }, tor: 'allow' },
];
let shield: CountingUpstream;
let edge: EdgeWorker;
let key: TestKeyPair;

async function get(path: string, cf: Record<string, unknown>, claims: Record<string, unknown> = {}) {
  const t = await signJwt(crypto.subtle, key.signing, {
    exp: Math.floor(Date.now() / 1000) + 600,
    ...claims,
  });
  return edge.fetch(`${path}?token=${t}`, { cf });
}

function route(path: string): void {
  shield.route(path, { body: 'x', headers: { 'cache-control': 'public, max-age=31536000, immutable' } });
}

beforeAll(async () => {
  key = await makeKey('ES256', 'g1');
  shield = await startCountingUpstream();
  edge = await startEdgeWorker({
    SHIELD_URLS: shield.url,
    AUTH_JWKS: jwksText(key),
    GEO_RULES: JSON.stringify(RULES),
  });
});

afterAll(async () => {
  await edge?.dispose();
  await shield?.close();
});

describe('geo rules', () => {
  it('blocks a denied country with 451 and Link rel="blocked-by"', async () => {
    route('/vod/a/seg.ts');
    const res = await get('/vod/a/seg.ts', { country: 'FR' });
    expect(res.status).toBe(451);
    expect(res.headers.get('link')).toBe('<https://rights.example/vod>; rel="blocked-by"');
    expect(((await res.json()) as { code: string }).code).toBe('EDGE_ERR_GEO_BLOCKED');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('never serves a cached object to a blocked country, and keeps serving the allowed one', async () => {
    route('/vod/leak/seg.ts');
    const de = await get('/vod/leak/seg.ts', { country: 'DE' });
    expect(de.status).toBe(200);
    await de.arrayBuffer();
    await waitUntilCached(edge, '/vod/leak/seg.ts');
    const fr = await get('/vod/leak/seg.ts', { country: 'FR' });
    expect(fr.status).toBe(451);
    await fr.arrayBuffer();
    const again = await get('/vod/leak/seg.ts', { country: 'DE' });
    expect(again.status).toBe(200);
    expect(again.headers.get('x-cache')).toBe('HIT');
    await again.arrayBuffer();
  });

  it('sends an allowed object under a GEO_RULES prefix private, keeping max-age and the edge cache', async () => {
    route('/vod/priv/seg.ts');
    const de = await get('/vod/priv/seg.ts', { country: 'DE' });
    expect(de.status).toBe(200);
    expect(de.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    await de.arrayBuffer();
    await waitUntilCached(edge, '/vod/priv/seg.ts');
    const again = await get('/vod/priv/seg.ts', { country: 'DE' });
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(again.headers.get('cache-control')).toMatch(/^private, /);
    await again.arrayBuffer();
  });

  it('leaves an object outside every GEO_RULES prefix publicly cacheable', async () => {
    route('/free/seg.ts');
    const res = await get('/free/seg.ts', { country: 'DE' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    await res.arrayBuffer();
  });

  it('allows by region (US-CA) and refuses another region with the default 403', async () => {
    route('/vod/us/seg.ts');
    const ca = await get('/vod/us/seg.ts', { country: 'US', regionCode: 'CA' });
    expect(ca.status).toBe(200);
    await ca.arrayBuffer();
    const tx = await get('/vod/us/seg.ts', { country: 'US', regionCode: 'TX' });
    expect(tx.status).toBe(403);
    expect(((await tx.json()) as { code: string }).code).toBe('EDGE_ERR_GEO_BLOCKED');
  });

  it('denies unknown (XX) by default where a rule applies, and follows an explicit Tor policy', async () => {
    route('/live/x/seg.ts');
    expect((await get('/live/x/seg.ts', { country: 'XX' })).status).toBe(403);
    expect((await get('/live/x/seg.ts', { country: 'T1' })).status).toBe(200);
    expect((await get('/live/x/seg.ts', { country: 'DE' })).status).toBe(200);
    expect((await get('/live/x/seg.ts', { country: 'PL' })).status).toBe(403);
  });

  it('applies the token geo claim too: both must pass', async () => {
    route('/other/seg.ts');
    expect((await get('/other/seg.ts', { country: 'PL' }, { geo: { allow: ['DE'] } })).status).toBe(403);
    expect((await get('/other/seg.ts', { country: 'DE' }, { geo: { allow: ['DE'] } })).status).toBe(200);
    expect((await get('/other/seg.ts', { country: 'DE' }, { geo: { deny: ['DE'] } })).status).toBe(403);
  });

  it('refuses a bad GEO_RULES config closed, naming the element', async () => {
    const bad = await startEdgeWorker({
      AUTH_MODE: 'off',
      SHIELD_URLS: shield.url,
      GEO_RULES: '[{"prefix":"/","deny":{"countries":["UK"]}}]',
    });
    try {
      const res = await bad.fetch('/vod/a/seg.ts');
      expect(res.status).toBe(500);
      const issue = 'GEO_RULES[0].deny.countries[0]: expected ISO 3166-1 alpha-2, got \\"UK\\"';
      expect((await logsWith(bad, issue)).join('\n')).toContain(issue);
    } finally {
      await bad.dispose();
    }
  });
});
