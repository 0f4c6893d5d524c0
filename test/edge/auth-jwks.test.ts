/**
 * JWKS URL rotation in workerd: the real Worker fetches its keys from a counting local server (which
 * also plays the shield). Time is real here, so the refresh interval is 2 s and the tests wait it
 * out; the exact clock arithmetic is covered with an injected clock in test/unit/auth/jwks-cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import { type EdgeWorker, logsWith, startEdgeWorker } from './edge-worker.ts';

const REFRESH_S = 2;
const JWKS = '/.well-known/jwks.json';
const SEG = '/vod/j/seg.ts';
let up: CountingUpstream;
let edge: EdgeWorker;
let k1: TestKeyPair;
let k2: TestKeyPair;
let stranger: TestKeyPair;

function serveKeys(...keys: TestKeyPair[]): void {
  up.route(JWKS, {
    body: JSON.stringify({ keys: keys.map((k) => k.publicJwk) }),
    headers: { 'content-type': 'application/json' },
  });
}

async function status(k: TestKeyPair): Promise<number> {
  const token = await signJwt(crypto.subtle, k.signing, { exp: Math.floor(Date.now() / 1000) + 600 });
  const res = await edge.fetch(`${SEG}?token=${token}`);
  await res.arrayBuffer();
  return res.status;
}

const waitInterval = () => new Promise((r) => setTimeout(r, REFRESH_S * 1000 + 200));

beforeAll(async () => {
  [k1, k2, stranger] = await Promise.all([
    makeKey('ES256', 'k1'),
    makeKey('ES256', 'k2'),
    makeKey('ES256', 'unknown'),
  ]);
  up = await startCountingUpstream();
  up.route(SEG, { body: 'seg', headers: { 'content-type': 'video/mp2t', 'cache-control': 'no-store' } });
  serveKeys(k1);
  edge = await startEdgeWorker({
    SHIELD_URLS: up.url,
    AUTH_JWKS_URL: `${up.url}${JWKS}`,
    AUTH_JWKS_REFRESH_S: String(REFRESH_S),
  });
});

afterAll(async () => {
  await edge?.dispose();
  await up?.close();
});

// These steps share one Worker and its JWKS cache, in order: load, flood, rotate, outage.
describe('JWKS URL at the edge', () => {
  it('fetches the JWKS once for the first token and once for 20 unknown-kid tokens in an interval', async () => {
    expect(await status(k1)).toBe(200);
    expect(up.count(JWKS)).toBe(1);
    const flood = await Promise.all(Array.from({ length: 20 }, () => status(stranger)));
    expect(flood.every((s) => s === 403)).toBe(true);
    expect(up.count(JWKS)).toBe(1);
  });

  it('verifies old and new keys together after a rotation, with one more fetch', async () => {
    serveKeys(k1, k2);
    await waitInterval();
    expect(await status(k2)).toBe(200);
    expect(await status(k1)).toBe(200);
    expect(up.count(JWKS)).toBe(2);
    const flood = await Promise.all(Array.from({ length: 20 }, () => status(stranger)));
    expect(flood.every((s) => s === 403)).toBe(true);
    expect(up.count(JWKS)).toBe(2);
  });

  it('keeps verifying with the last good set while the JWKS endpoint is down, and logs it', async () => {
    up.route(JWKS, { status: 503, body: 'down' });
    await waitInterval();
    expect(await status(stranger)).toBe(403);
    expect(up.count(JWKS)).toBe(3);
    expect(await status(k1)).toBe(200);
    expect(await status(k2)).toBe(200);
    const line = (await logsWith(edge, 'jwks-refresh-failed')).find((m) => m.includes('jwks-refresh-failed'));
    expect(line).toContain('"keptKeys":2');
  });
});
