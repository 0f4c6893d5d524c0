/**
 * Pure control-plane logic (issue 15): scopes, API key format, rate limiting, prefix ownership,
 * mint planning and revocation matching. Runs on Node and in workerd.
 */
import { describe, expect, it } from 'vitest';
import { formatApiKey, parseApiKey } from '../../../src/core/control/api-key.ts';
import { planMint, planSession } from '../../../src/core/control/mint.ts';
import { createRateLimiter } from '../../../src/core/control/rate-limit.ts';
import { buildRevocationIndex, revokedBy } from '../../../src/core/control/revocation.ts';
import { type Caller, deny, grantable } from '../../../src/core/control/scopes.ts';
import { conflictingPrefix, insideOwned, isValidPrefix, ownerOf } from '../../../src/core/control/tenancy.ts';

const tenantCaller: Caller = { keyId: 'k1', tenant: 't1', scopes: ['tokens:mint'] };

describe('scopes', () => {
  it('allows a held scope on the key’s own tenant only', () => {
    expect(deny(tenantCaller, 'tokens:mint', 't1')).toBeUndefined();
    expect(deny(tenantCaller, 'tokens:mint', 't2')).toEqual({ reason: 'other-tenant', tenant: 't2' });
    expect(deny(tenantCaller, 'tokens:mint', undefined)).toEqual({ reason: 'operator-only' });
    expect(deny(tenantCaller, 'usage:read', 't1')).toEqual({ reason: 'missing-scope', scope: 'usage:read' });
  });

  it('refuses to grant a scope the granting key does not hold', () => {
    expect(grantable(['tokens:mint'], tenantCaller)).toEqual({ ok: true, value: ['tokens:mint'] });
    expect(grantable(['tenants:write'], tenantCaller).ok).toBe(false);
    expect(grantable([], tenantCaller).ok).toBe(false);
  });
});

describe('API key format', () => {
  it('round-trips id and secret, and refuses anything else', () => {
    const key = formatApiKey(new Uint8Array(6).fill(1), new Uint8Array(32).fill(2));
    expect(key.key).toMatch(/^esk_010101010101_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key.key)).toEqual({ id: key.id, secret: key.secret });
    expect(parseApiKey(`${key.key}x`)).toBeUndefined();
    expect(parseApiKey('Bearer nonsense')).toBeUndefined();
  });
});

describe('rate limiter', () => {
  it('allows a burst of perMinute, then refills at perMinute per minute', () => {
    const rl = createRateLimiter({ perMinute: 60 });
    for (let i = 0; i < 60; i++) expect(rl.take('k', 0)).toBeUndefined();
    expect(rl.take('k', 0)).toBe(1);
    expect(rl.take('k', 1000)).toBeUndefined();
    expect(rl.take('other', 0)).toBeUndefined();
  });

  it('keeps at most maxKeys buckets (the least recently used goes first)', () => {
    const rl = createRateLimiter({ perMinute: 1, maxKeys: 2 });
    expect(rl.take('a', 0)).toBeUndefined();
    expect(rl.take('b', 0)).toBeUndefined();
    expect(rl.take('c', 0)).toBeUndefined();
    // 'a' was evicted, so it starts with a full bucket again.
    expect(rl.take('a', 0)).toBeUndefined();
    expect(rl.take('c', 0)).toBe(60);
  });

  it('peeks without taking and without making a bucket', () => {
    const rl = createRateLimiter({ perMinute: 1, maxKeys: 1 });
    expect(rl.take('a', 0)).toBeUndefined();
    expect(rl.peek('a', 0)).toBe(60);
    expect(rl.peek('fresh', 0)).toBeUndefined();
    // Peeking 'fresh' made no bucket, so 'a' was not evicted: still empty.
    expect(rl.take('a', 0)).toBe(60);
    expect(rl.peek('a', 60_000)).toBeUndefined();
  });
});

describe('prefix ownership', () => {
  const prefixes = [
    { prefix: '/acme/', tenant: 'acme' },
    { prefix: '/acme/live/', tenant: 'acme' },
    { prefix: '/beta/', tenant: 'beta' },
  ];
  it('finds the owner by the longest prefix', () => {
    expect(ownerOf(prefixes, '/acme/live/a.ts')?.prefix).toBe('/acme/live/');
    expect(ownerOf(prefixes, '/beta/a.ts')?.tenant).toBe('beta');
    expect(ownerOf(prefixes, '/acmex/a.ts')).toBeUndefined();
  });

  it('refuses prefixes that nest with another tenant, and malformed ones', () => {
    expect(conflictingPrefix(prefixes, '/beta/x/', 'acme')?.prefix).toBe('/beta/');
    expect(conflictingPrefix(prefixes, '/', 'acme')).toBeDefined();
    expect(conflictingPrefix(prefixes, '/acme/vod/', 'acme')).toBeUndefined();
    expect(['/a/', '/a/b/'].every(isValidPrefix)).toBe(true);
    expect(['/', 'a/', '/a', '/a/../', '/a*/', '/a/%2e/'].some(isValidPrefix)).toBe(false);
  });

  it('keeps ACL patterns inside owned prefixes by their literal part', () => {
    expect(insideOwned(['/t1/'], '/t1/*/master.m3u8')).toBe(true);
    expect(insideOwned(['/t1/'], '/*')).toBe(false);
    expect(insideOwned(['/t1/'], '/t1')).toBe(false);
  });
});

describe('mint planning', () => {
  const ctx = { owned: ['/t1/'], nowS: 1000, jti: 'j1' };
  it('signs the directory of the path by default, with the given lifetime and ids', () => {
    const plan = planMint(
      { path: '/t1/vod/master.m3u8', ttl: 600, sub: 'v1', sid: 's1', countries: { allow: ['DE'] } },
      ctx,
    );
    expect(plan).toEqual({
      ok: true,
      value: {
        path: '/t1/vod/master.m3u8',
        in: 'query',
        claims: {
          iat: 1000,
          exp: 1600,
          jti: 'j1',
          acl: ['/t1/vod/'],
          sub: 'v1',
          sid: 's1',
          geo: { allow: ['DE'] },
        },
      },
    });
  });

  it('names every invalid field', () => {
    const plan = planMint(
      { path: '/t2/a.ts', ttl: 0, acl: ['/*'], ip: 'nope', countries: { allow: ['UK'] } },
      ctx,
    );
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.error.map((i) => i.split(':')[0])).toEqual([
      'path',
      'ttl',
      'acl[0]',
      'ip',
      'countries.allow',
    ]);
  });

  it('allows long lifetimes only for access tokens, and marks them', () => {
    expect(planMint({ path: '/t1/a.ts', ttl: 7 * 86_400 }, ctx).ok).toBe(false);
    const access = planMint({ path: '/t1/a.ts', ttl: 7 * 86_400, use: 'access' }, ctx);
    expect(access.ok && access.value.claims.use).toBe('access');
  });

  it('never lets a session outlive its access token', () => {
    const s = planSession(
      { exp: 1100, acl: ['/t1/'], sub: 'v' },
      { nowS: 1000, jti: 'j2', sid: 's2', ttl: 300 },
    );
    expect(s).toEqual({
      ok: true,
      value: { iat: 1000, exp: 1100, jti: 'j2', sid: 's2', acl: ['/t1/'], sub: 'v' },
    });
  });

  it("carries the access token's jti as ajti", () => {
    const s = planSession({ exp: 1100, jti: 'a1' }, { nowS: 1000, jti: 'j2', sid: 's2' });
    expect(s.ok && s.value.ajti).toBe('a1');
  });
});

describe('revocations', () => {
  const index = buildRevocationIndex([
    { tenant: 't1', kind: 'sid', value: 's1', until: 2000 },
    { tenant: '', kind: 'sub', value: 'v9', until: 2000 },
  ]);
  it('matches by tenant, and operator-wide revocations for every tenant', () => {
    expect(revokedBy(index, 't1', { sid: 's1' }, 1000)).toBe('sid');
    expect(revokedBy(index, 't2', { sid: 's1' }, 1000)).toBeUndefined();
    expect(revokedBy(index, 't2', { sub: 'v9' }, 1000)).toBe('sub');
    expect(revokedBy(index, undefined, { sub: 'v9' }, 1000)).toBe('sub');
  });

  it("refuses a session token whose access token's jti is revoked", () => {
    const byJti = buildRevocationIndex([{ tenant: 't1', kind: 'jti', value: 'a1', until: 2000 }]);
    expect(revokedBy(byJti, 't1', { jti: 'j2', sid: 's2', ajti: 'a1' }, 1000)).toBe('jti');
    expect(revokedBy(byJti, 't1', { jti: 'j2', sid: 's2', ajti: 'a2' }, 1000)).toBeUndefined();
  });

  it('ignores a revocation past its until', () => {
    expect(revokedBy(index, 't1', { sid: 's1' }, 2000)).toBeUndefined();
  });
});
