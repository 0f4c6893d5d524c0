/**
 * JWKS URL rotation through the JWT verifier and its cache, with the clock passed in (each request's
 * `now`) and a fake JWKS endpoint: a real function returning real Responses that counts its calls.
 * Runs on Node and in workerd.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../../src/core/auth/jwt-sign.ts';
import { createJwksCache } from '../../../src/edge/auth/jwks-cache.ts';
import { createJwtVerifier } from '../../../src/edge/auth/jwt-verifier.ts';
import { makeKey, type TestKeyPair } from './test-keys.ts';

const T0 = 1_800_000_000;
const URL_ = 'https://keys.example/.well-known/jwks.json';
const REFRESH_S = 60;
const MAX_AGE_S = 600;

interface Endpoint {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  calls: number;
  serve(keys: readonly Record<string, unknown>[], headers?: Record<string, string>): void;
  fail(how: 'status' | 'network' | 'not-json' | 'huge' | 'hang'): void;
}

function endpoint(): Endpoint {
  let body = '{"keys":[]}';
  let headers: Record<string, string> = {};
  let failure: 'status' | 'network' | 'not-json' | 'huge' | 'hang' | undefined;
  const ep: Endpoint = {
    calls: 0,
    async fetch(_url, init) {
      ep.calls++;
      switch (failure) {
        case 'network':
          throw new TypeError('connection refused');
        case 'status':
          return new Response('down', { status: 503 });
        case 'not-json':
          return new Response('<html>', { status: 200 });
        case 'huge':
          return new Response(`{"keys":[],"pad":"${'x'.repeat(70_000)}"}`, { status: 200 });
        case 'hang':
          return new Promise((_, reject) =>
            init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
          );
        default:
          return new Response(body, {
            status: 200,
            headers: { 'content-type': 'application/json', ...headers },
          });
      }
    },
    serve(keys, h = {}) {
      failure = undefined;
      body = JSON.stringify({ keys });
      headers = h;
    },
    fail(how) {
      failure = how;
    },
  };
  return ep;
}

let k1: TestKeyPair;
let k2: TestKeyPair;
let rs: TestKeyPair;
let stranger: TestKeyPair;
let hs: TestKeyPair;

beforeAll(async () => {
  [k1, k2, rs, stranger, hs] = await Promise.all([
    makeKey('ES256', 'k1'),
    makeKey('ES256', 'k2'),
    makeKey('RS256', 'r1'),
    makeKey('ES256', 'nobody'),
    makeKey('HS256', 'h1'),
  ]);
});

function setup(ep: Endpoint, logs: unknown[] = []) {
  const v = createJwtVerifier({
    jwksUrl: URL_,
    algorithms: ['ES256', 'RS256', 'EdDSA'],
    refreshS: REFRESH_S,
    cacheMaxAgeS: MAX_AGE_S,
    fetch: ep.fetch as unknown as typeof fetch,
    log: (e) => logs.push(e),
  });
  return async (k: TestKeyPair, now: number) => {
    const token = await signJwt(crypto.subtle, k.signing, { exp: T0 + 86_400 });
    return (await v.verify(token, { path: '/a.ts', url: 'https://e.example/a.ts', clientIp: undefined, now }))
      .ok;
  };
}

describe('JWKS URL: refresh rate', () => {
  it('20 tokens with an unknown kid cause one fetch per interval, not one per request', async () => {
    const ep = endpoint();
    ep.serve([k1.publicJwk]);
    const ok = setup(ep);
    expect(await ok(k1, T0)).toBe(true);
    expect(ep.calls).toBe(1);
    const at = T0 + REFRESH_S; // the interval has passed: exactly one refresh is allowed now
    for (let i = 0; i < 20; i++) expect(await ok(stranger, at + i)).toBe(false);
    expect(ep.calls).toBe(2);
    for (let i = 0; i < 20; i++) expect(await ok(stranger, at + 2 * REFRESH_S + i)).toBe(false);
    expect(ep.calls).toBe(3);
  });

  it('coalesces concurrent lookups on a cold cache into one fetch', async () => {
    const ep = endpoint();
    ep.serve([k1.publicJwk]);
    const ok = setup(ep);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ok(i % 2 ? k1 : stranger, T0)));
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(ep.calls).toBe(1);
  });
});

describe('JWKS URL: rotation', () => {
  it('accepts old and new keys during a transition and refuses the old one after max age', async () => {
    const ep = endpoint();
    ep.serve([k1.publicJwk]);
    const ok = setup(ep);
    expect(await ok(k1, T0)).toBe(true);
    ep.serve([k1.publicJwk, k2.publicJwk]);
    // Within the refresh interval a new kid is not fetched yet…
    expect(await ok(k2, T0 + 1)).toBe(false);
    // …after it, the unknown kid pulls the new set once, and both keys verify.
    expect(await ok(k2, T0 + REFRESH_S)).toBe(true);
    expect(await ok(k1, T0 + REFRESH_S + 1)).toBe(true);
    expect(ep.calls).toBe(2);
    ep.serve([k2.publicJwk]);
    // k1 is still in the cached set until that set is older than its max age.
    expect(await ok(k1, T0 + REFRESH_S + MAX_AGE_S - 1)).toBe(true);
    expect(await ok(k1, T0 + REFRESH_S + MAX_AGE_S)).toBe(false);
    expect(await ok(k2, T0 + REFRESH_S + MAX_AGE_S + 1)).toBe(true);
    expect(ep.calls).toBe(3);
  });

  it("honours the JWKS response's Cache-Control max-age below the configured ceiling", async () => {
    const ep = endpoint();
    ep.serve([k1.publicJwk], { 'cache-control': 'public, max-age=120' });
    const ok = setup(ep);
    expect(await ok(k1, T0)).toBe(true);
    ep.serve([k2.publicJwk]);
    expect(await ok(k1, T0 + 119)).toBe(true);
    expect(await ok(k1, T0 + 120)).toBe(false);
    expect(ep.calls).toBe(2);
  });

  it('caps a longer Cache-Control max-age at the configured ceiling', async () => {
    const ep = endpoint();
    ep.serve([k1.publicJwk], { 'cache-control': 'max-age=86400' });
    const ok = setup(ep);
    expect(await ok(k1, T0)).toBe(true);
    ep.serve([k2.publicJwk]);
    expect(await ok(k1, T0 + MAX_AGE_S)).toBe(false);
  });
});

describe('JWKS URL: failures', () => {
  it.each(['network', 'status', 'not-json', 'huge'] as const)(
    'keeps the last good set when the endpoint fails (%s) and logs it',
    async (how) => {
      const ep = endpoint();
      const logs: unknown[] = [];
      ep.serve([k1.publicJwk]);
      const ok = setup(ep, logs);
      expect(await ok(k1, T0)).toBe(true);
      ep.fail(how);
      // Stale and failing: the last good set still verifies, retried at most once per interval.
      expect(await ok(k1, T0 + MAX_AGE_S)).toBe(true);
      expect(await ok(k1, T0 + MAX_AGE_S + 1)).toBe(true);
      expect(ep.calls).toBe(2);
      expect(logs).toContainEqual(expect.objectContaining({ event: 'jwks-refresh-failed', keptKeys: 1 }));
      ep.serve([k1.publicJwk, k2.publicJwk]);
      expect(await ok(k2, T0 + MAX_AGE_S + REFRESH_S)).toBe(true);
    },
  );

  it('refuses tokens (no throw) when the endpoint never answered, and retries only after the interval', async () => {
    const ep = endpoint();
    ep.fail('status');
    const ok = setup(ep);
    expect(await ok(k1, T0)).toBe(false);
    expect(await ok(k1, T0 + 1)).toBe(false);
    expect(ep.calls).toBe(1);
    ep.serve([k1.publicJwk]);
    expect(await ok(k1, T0 + REFRESH_S)).toBe(true);
  });

  it('aborts a JWKS fetch that hangs past the timeout', async () => {
    const ep = endpoint();
    ep.fail('hang');
    const cache = createJwksCache({
      url: URL_,
      fetch: ep.fetch,
      algorithms: ['ES256'],
      refreshS: REFRESH_S,
      maxAgeS: MAX_AGE_S,
      timeoutMs: 20,
      log: () => {},
    });
    const r = await cache.key('k1', 'ES256', T0 * 1000);
    expect(r).toEqual({ ok: false, error: { reason: 'key-unavailable', detail: 'no JWKS fetched yet' } });
  });
});

describe('JWKS URL: key pinning', () => {
  it('refuses an HS256 (oct) key published at a JWKS URL', async () => {
    const ep = endpoint();
    const logs: unknown[] = [];
    ep.serve([hs.publicJwk, k1.publicJwk]);
    const v = createJwtVerifier({
      jwksUrl: URL_,
      // Even a misconfigured list naming HS256 never takes a secret from a URL.
      algorithms: ['ES256', 'HS256'],
      refreshS: REFRESH_S,
      cacheMaxAgeS: MAX_AGE_S,
      fetch: ep.fetch as unknown as typeof fetch,
      log: (e) => logs.push(e),
    });
    const req = { path: '/a.ts', url: 'https://e.example/a.ts', clientIp: undefined, now: T0 };
    const token = await signJwt(crypto.subtle, hs.signing, { exp: T0 + 60 });
    expect((await v.verify(token, req)).ok).toBe(false);
    const good = await signJwt(crypto.subtle, k1.signing, { exp: T0 + 60 });
    expect((await v.verify(good, req)).ok).toBe(true);
    expect(JSON.stringify(logs)).toContain('symmetric (oct) key refused');
    expect(JSON.stringify(logs)).not.toContain(String(hs.publicJwk.k));
  });

  it("refuses a token whose alg differs from its kid's pinned alg", async () => {
    const ep = endpoint();
    ep.serve([k1.publicJwk, rs.publicJwk]);
    const cache = createJwksCache({
      url: URL_,
      fetch: ep.fetch,
      algorithms: ['ES256', 'RS256'],
      refreshS: REFRESH_S,
      maxAgeS: MAX_AGE_S,
    });
    expect((await cache.key('r1', 'RS256', T0 * 1000)).ok).toBe(true);
    expect(await cache.key('r1', 'ES256', T0 * 1000)).toEqual({
      ok: false,
      error: { reason: 'unknown-key', kid: 'r1' },
    });
  });

  it('accepts RS256 tokens from URL keys (2048-bit) next to ES256 ones', async () => {
    const ep = endpoint();
    ep.serve([k1.publicJwk, rs.publicJwk]);
    const ok = setup(ep);
    expect(await ok(rs, T0)).toBe(true);
    expect(await ok(k1, T0)).toBe(true);
    expect(ep.calls).toBe(1);
  });
});
