/**
 * Claim boundaries shared by every format: exp/nbf/iat with skew, ACL wildcard edges, IP and CIDR.
 */
import { describe, expect, it } from 'vitest';
import { aclAllows } from '../../../src/core/auth/acl.ts';
import { checkClaims, claimsFromJson } from '../../../src/core/auth/claims.ts';
import { ipInRange } from '../../../src/core/auth/ip.ts';
import { bearerToken, cookieValue, splitPathToken } from '../../../src/core/auth/sources.ts';

const at = (now: number, extra: Partial<{ path: string; clientIp: string }> = {}) => ({
  path: '/vod/ts/a.ts',
  url: '',
  clientIp: undefined,
  now,
  ...extra,
});

describe('time claims with a 30 s skew', () => {
  it('accepts a token 29 s after exp and refuses it exactly at exp + skew', () => {
    expect(checkClaims({ exp: 1000 }, at(1029), 30).ok).toBe(true);
    expect(checkClaims({ exp: 1000 }, at(1030), 30)).toEqual({
      ok: false,
      error: { reason: 'expired', exp: 1000, now: 1030 },
    });
  });

  it('accepts nbf up to skew in the future and refuses beyond it', () => {
    expect(checkClaims({ exp: 5000, nbf: 1030 }, at(1000), 30).ok).toBe(true);
    expect(checkClaims({ exp: 5000, nbf: 1031 }, at(1000), 30).ok).toBe(false);
  });

  it('refuses a token issued beyond the skew in the future', () => {
    expect(checkClaims({ exp: 5000, iat: 1031 }, at(1000), 30).ok).toBe(false);
  });

  it('refuses a token without exp', () => {
    expect(checkClaims({}, at(0))).toEqual({ ok: false, error: { reason: 'missing-exp' } });
  });
});

describe('acl', () => {
  it('opens everything under a trailing-slash prefix (a master token covers its renditions)', () => {
    expect(aclAllows(['/vod/ts/'], '/vod/ts/360p/seg_00001.ts')).toBe(true);
    expect(aclAllows(['/vod/ts/'], '/vod/fmp4/master.m3u8')).toBe(false);
  });

  it('matches a prefix without slash only at a segment boundary', () => {
    expect(aclAllows(['/vod/a'], '/vod/a/x.ts')).toBe(true);
    expect(aclAllows(['/vod/a'], '/vod/a')).toBe(true);
    expect(aclAllows(['/vod/a'], '/vod/ab/x.ts')).toBe(false);
  });

  it('lets * match any run of characters, slashes included', () => {
    expect(aclAllows(['/vod/*/master.m3u8'], '/vod/ts/master.m3u8')).toBe(true);
    expect(aclAllows(['/vod/*/master.m3u8'], '/vod/a/b/master.m3u8')).toBe(true);
    expect(aclAllows(['/vod/*.ts'], '/vod/x/y.ts')).toBe(true);
    expect(aclAllows(['/vod/*.ts'], '/vod/x/y.m3u8')).toBe(false);
    expect(aclAllows(['*'], '/anything')).toBe(true);
    expect(aclAllows([''], '/anything')).toBe(false);
    expect(aclAllows([], '/anything')).toBe(false);
  });

  it('decides adversarial wildcard patterns exactly, at sizes where a backtracking matcher never ends', () => {
    // 200 `*a` then `b`: a backtracking glob tries ~C(2000, 200) splits before answering false. The
    // answer, not a stopwatch, is asserted; a blow-up would hit the runner's test timeout instead.
    const pattern = `${'*a'.repeat(200)}b`;
    expect(aclAllows([pattern], `/${'a'.repeat(2000)}`)).toBe(false);
    expect(aclAllows([pattern], `/${'a'.repeat(2000)}b`)).toBe(true);
    expect(aclAllows([pattern], `/${'a'.repeat(199)}b`)).toBe(false);
    expect(aclAllows([pattern], `/${'a'.repeat(200)}b`)).toBe(true);
  });

  it('refuses a path outside the acl through checkClaims', () => {
    expect(checkClaims({ exp: 9e9, acl: ['/live/'] }, at(0)).ok).toBe(false);
  });
});

describe('ip', () => {
  it.each([
    ['203.0.113.7', '203.0.113.0/24', true],
    ['203.0.114.7', '203.0.113.0/24', false],
    ['203.0.113.7', '203.0.113.7', true],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1', true],
    ['::ffff:203.0.113.7', '203.0.113.0/24', true],
    ['::1', '::/0', true],
    ['10.0.0.1', '0.0.0.0/0', true],
    ['10.0.0.1', '10.0.0.0/33', false],
    ['not-an-ip', '10.0.0.0/8', false],
    ['10.0.0.1', '2001:db8::/32', false],
  ])('%s in %s → %s', (ip, range, expected) => {
    expect(ipInRange(ip, range)).toBe(expected);
  });

  it('refuses a bound token when the client address is unknown or outside', () => {
    expect(checkClaims({ exp: 9e9, ip: '2001:db8::/48' }, at(0, { clientIp: '2001:db8:0:1::5' })).ok).toBe(
      true,
    );
    expect(checkClaims({ exp: 9e9, ip: '2001:db8::/48' }, at(0, { clientIp: '2001:db8:1::5' })).ok).toBe(
      false,
    );
    expect(checkClaims({ exp: 9e9, ip: '2001:db8::/48' }, at(0)).ok).toBe(false);
  });
});

describe('claimsFromJson', () => {
  it('ignores unknown claims and accepts a single-string acl', () => {
    expect(claimsFromJson({ exp: 1, acl: '/a/', foo: 'bar' })).toEqual({
      ok: true,
      value: { exp: 1, acl: ['/a/'] },
    });
  });

  it('refuses wrong types instead of coercing them', () => {
    expect(claimsFromJson({ exp: '1' }).ok).toBe(false);
    expect(claimsFromJson({ exp: 1, geo: { allow: ['uk'] } }).ok).toBe(false);
    expect(claimsFromJson([1]).ok).toBe(false);
  });
});

describe('token sources', () => {
  it('splits a path token and keeps the rest of the path', () => {
    expect(splitPathToken('/~t/a.b.c/vod/ts/master.m3u8')).toEqual({
      token: 'a.b.c',
      rest: '/vod/ts/master.m3u8',
    });
    expect(splitPathToken('/vod/~t/a/x.ts')).toBeUndefined();
    expect(splitPathToken('/~t/only')).toBeUndefined();
  });

  it('reads cookies and Bearer headers', () => {
    expect(cookieValue('a=1; edgeshield_token=x.y.z', 'edgeshield_token')).toBe('x.y.z');
    expect(cookieValue('a=1', 'edgeshield_token')).toBeUndefined();
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('Basic abc')).toBeUndefined();
  });
});
