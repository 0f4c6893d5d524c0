/**
 * Sign → verify pairs for every format, JWT algorithm pinning, and JWKS URL rotation.
 * Keys are generated per run with Web Crypto; runs on Node and in workerd.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCloudFrontVerifier, signCloudFront } from '../../../src/core/auth/cloudfront.ts';
import { type CloudFrontKeyPair, generateCloudFrontKeyPair } from '../../../src/core/auth/cloudfront-keys.ts';
import { createEdgeAuthVerifier, signEdgeAuth } from '../../../src/core/auth/edgeauth.ts';
import { JWT_ALGS, signJwt } from '../../../src/core/auth/jwt-sign.ts';
import { md5 } from '../../../src/core/auth/md5.ts';
import { createSecureLinkVerifier, signSecureLink } from '../../../src/core/auth/secure-link.ts';
import { createJwtVerifier } from '../../../src/edge/auth/jwt-verifier.ts';
import { makeKey } from './test-keys.ts';

const NOW = 1_800_000_000;
const req = (path = '/vod/ts/a.ts', url = `https://e.example${path}`) => ({
  path,
  url,
  clientIp: '198.51.100.4',
  now: NOW,
});

describe('JWT', () => {
  it.each(JWT_ALGS)('verifies a %s token with its pinned key and maps claims', async (alg) => {
    const key = await makeKey(alg, `k-${alg}`);
    const v = createJwtVerifier({
      jwks: { keys: [key.publicJwk] },
      algorithms: [alg],
      refreshS: 30,
      cacheMaxAgeS: 600,
    });
    const token = await signJwt(crypto.subtle, key.signing, {
      exp: NOW + 60,
      sub: 'v1',
      sid: 's1',
      acl: ['/vod/'],
      extra: 1,
    });
    expect(await v.verify(token, req())).toEqual({
      ok: true,
      value: { exp: NOW + 60, sub: 'v1', sid: 's1', acl: ['/vod/'] },
    });
  });

  it('refuses an algorithm that is not pinned even when the key material would fit', async () => {
    const es = await makeKey('ES256', 'a');
    const v = createJwtVerifier({
      jwks: { keys: [es.publicJwk] },
      algorithms: ['RS256'],
      refreshS: 30,
      cacheMaxAgeS: 600,
    });
    const token = await signJwt(crypto.subtle, es.signing, { exp: NOW + 60 });
    const r = await v.verify(token, req());
    expect(r.ok).toBe(false);
  });

  it('selects the key by kid during a rotation: old and new keys valid together', async () => {
    const old = await makeKey('ES256', 'old');
    const next = await makeKey('ES256', 'new');
    const v = createJwtVerifier({
      jwks: { keys: [old.publicJwk, next.publicJwk] },
      algorithms: ['ES256'],
      refreshS: 30,
      cacheMaxAgeS: 600,
    });
    for (const k of [old, next])
      expect((await v.verify(await signJwt(crypto.subtle, k.signing, { exp: NOW }), req())).ok).toBe(true);
  });

  it('JWKS URL: an unknown kid triggers at most one refetch per cooldown, and a rotated-in key works after it', async () => {
    const first = await makeKey('ES256', 'one');
    const second = await makeKey('ES256', 'two');
    let served = [first.publicJwk];
    let fetches = 0;
    const fakeFetch = (async () => {
      fetches++;
      return new Response(JSON.stringify({ keys: served }), {
        headers: { 'content-type': 'application/json' },
      });
    }) as unknown as typeof fetch;
    const v = createJwtVerifier({
      jwksUrl: 'https://keys.example/jwks.json',
      algorithms: ['ES256'],
      refreshS: 3600,
      cacheMaxAgeS: 3600,
      fetch: fakeFetch,
    });
    expect((await v.verify(await signJwt(crypto.subtle, first.signing, { exp: NOW }), req())).ok).toBe(true);
    expect(fetches).toBe(1);
    const stranger = await signJwt(crypto.subtle, (await makeKey('ES256', 'nobody')).signing, { exp: NOW });
    for (let i = 0; i < 20; i++) expect((await v.verify(stranger, req())).ok).toBe(false);
    // The cache refetches on an unknown kid only once the interval has passed (jwks-cache.test.ts).
    expect(fetches).toBe(1);
    served = [first.publicJwk, second.publicJwk];
    const fresh = createJwtVerifier({
      jwksUrl: 'https://keys.example/jwks.json',
      algorithms: ['ES256'],
      refreshS: 0,
      cacheMaxAgeS: 3600,
      fetch: fakeFetch,
    });
    expect((await fresh.verify(await signJwt(crypto.subtle, first.signing, { exp: NOW }), req())).ok).toBe(
      true,
    );
    expect((await fresh.verify(await signJwt(crypto.subtle, second.signing, { exp: NOW }), req())).ok).toBe(
      true,
    );
  });

  it('reports an unreachable JWKS URL as a refusal, not a throw', async () => {
    const failing = (async () => {
      throw new TypeError('network down');
    }) as unknown as typeof fetch;
    const v = createJwtVerifier({
      jwksUrl: 'https://keys.example/jwks.json',
      algorithms: ['ES256'],
      refreshS: 30,
      cacheMaxAgeS: 600,
      fetch: failing,
      log: () => {},
    });
    const token = await signJwt(crypto.subtle, (await makeKey('ES256', 'x')).signing, { exp: NOW });
    expect((await v.verify(token, req())).ok).toBe(false);
  });
});

describe('EdgeAuth', () => {
  const key = 'aabbccddeeff00112233445566778899';
  const v = createEdgeAuthVerifier({ key, subtle: crypto.subtle });

  it('verifies what it signs, with !-separated ACLs, ip and session id', async () => {
    const t = await signEdgeAuth(crypto.subtle, {
      key,
      exp: NOW + 60,
      st: NOW,
      acl: ['/live/*', '/vod/*'],
      ip: '198.51.100.4',
      sid: 's9',
    });
    expect(await v.verify(t, req())).toEqual({
      ok: true,
      value: { exp: NOW + 60, nbf: NOW, acl: ['/live/*', '/vod/*'], ip: '198.51.100.4', sid: 's9' },
    });
  });

  it('refuses a token made with another key', async () => {
    const t = await signEdgeAuth(crypto.subtle, { key: '00'.repeat(16), exp: NOW + 60, acl: ['/*'] });
    expect(await v.verify(t, req())).toEqual({ ok: false, error: { reason: 'bad-signature' } });
  });
});

describe('CloudFront', () => {
  let keys: CloudFrontKeyPair;
  beforeAll(async () => {
    keys = await generateCloudFrontKeyPair(crypto.subtle);
  });

  it('verifies a canned-policy URL for exactly its resource', async () => {
    const v = createCloudFrontVerifier({ keys: { KTEST: keys.publicPem }, subtle: crypto.subtle });
    const url = 'https://e.example/vod/ts/a.ts';
    const t = await signCloudFront(crypto.subtle, {
      keyPairId: 'KTEST',
      privateKeyPem: keys.privatePem,
      resource: url,
      exp: NOW + 60,
    });
    expect(t.startsWith('Expires=')).toBe(true);
    expect(await v.verify(t, req())).toEqual({ ok: true, value: { exp: NOW + 60 } });
    expect((await v.verify(t, req('/vod/ts/b.ts'))).ok).toBe(false);
  });

  it('verifies a custom policy with a wildcard resource and a source IP', async () => {
    const v = createCloudFrontVerifier({ keys: { KTEST: keys.publicPem }, subtle: crypto.subtle });
    const t = await signCloudFront(crypto.subtle, {
      keyPairId: 'KTEST',
      privateKeyPem: keys.privatePem,
      resource: 'https://e.example/vod/*',
      exp: NOW + 60,
      ip: '198.51.100.0/24',
    });
    expect(await v.verify(t, req())).toEqual({ ok: true, value: { exp: NOW + 60, ip: '198.51.100.0/24' } });
    expect((await v.verify(t, req('/live/a.ts'))).ok).toBe(false);
    expect((await v.verify(t.replace('KTEST', 'KOTHER'), req())).ok).toBe(false);
  });
});

describe('secure_link', () => {
  it('verifies what it signs and refuses another path', async () => {
    const v = createSecureLinkVerifier({
      secret: 's3cret',
      expression: '$secret$uri$secure_link_expires',
      md5,
    });
    const t = signSecureLink({
      secret: 's3cret',
      expression: '$secret$uri$secure_link_expires',
      path: '/vod/ts/a.ts',
      exp: NOW + 60,
    });
    expect(await v.verify(t, req())).toEqual({ ok: true, value: { exp: NOW + 60 } });
    expect((await v.verify(t, req('/vod/ts/b.ts'))).ok).toBe(false);
  });
});
