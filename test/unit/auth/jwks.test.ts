/**
 * The pure JWKS rules (src/core/auth/jwks.ts): which published keys are taken and pinned to which
 * alg, how long a fetched set is trusted, and when a lookup may fetch.
 */
import { describe, expect, it } from 'vitest';
import { jwksMaxAgeS, parseJwks, refreshDue } from '../../../src/core/auth/jwks.ts';

const EC = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
const OKP = { kty: 'OKP', crv: 'Ed25519', x: 'x' };
const RSA = { kty: 'RSA', n: 'n'.repeat(342), e: 'AQAB' };

describe('parseJwks', () => {
  it('pins each key to its alg, or to the only allowed alg its kty/crv fits', () => {
    const { keys, issues } = parseJwks(
      {
        keys: [
          { ...EC, kid: 'a', alg: 'ES256' },
          { ...OKP, kid: 'b' },
          { ...RSA, kid: 'c', use: 'sig' },
        ],
      },
      ['ES256', 'EdDSA', 'RS256'],
    );
    expect(keys.map((k) => [k.kid, k.alg])).toEqual([
      ['a', 'ES256'],
      ['b', 'EdDSA'],
      ['c', 'RS256'],
    ]);
    expect(issues).toEqual([]);
  });

  const ALL = ['ES256', 'EdDSA', 'RS256'] as const;
  it.each([
    [
      { kty: 'oct', k: 'c2VjcmV0', kid: 'h', alg: 'HS256' },
      ALL,
      'symmetric (oct) key refused from a JWKS URL',
    ],
    [{ ...EC, d: 'private', kid: 'p', alg: 'ES256' }, ALL, 'private key material refused'],
    [{ ...EC, alg: 'ES256' }, ALL, 'missing or invalid kid'],
    [{ ...EC, kid: 'e', use: 'enc' }, ALL, 'use "enc" is not "sig"'],
    [{ ...RSA, kid: 'r', alg: 'RS256' }, ['ES256'] as const, 'alg "RS256" not allowed'],
    [{ ...EC, kid: 'n', alg: 'none' }, ALL, 'alg "none" not allowed'],
    [{ ...OKP, kid: 'm', alg: 'ES256' }, ALL, 'kty/crv does not fit ES256'],
    [{ ...RSA, n: 'short', kid: 's' }, ALL, 'no alg and no single allowed alg fits its kty/crv'],
  ])('refuses %j (allowed %j): %s', (key, allowed, problem) => {
    expect(parseJwks({ keys: [key] }, allowed)).toEqual({ keys: [], issues: [{ at: 'keys[0]', problem }] });
  });

  it('keeps the first of two keys with the same kid', () => {
    const { keys, issues } = parseJwks(
      {
        keys: [
          { ...EC, kid: 'a', x: '1' },
          { ...EC, kid: 'a', x: '2' },
        ],
      },
      ['ES256'],
    );
    expect(keys.map((k) => k.jwk.x)).toEqual(['1']);
    expect(issues).toEqual([{ at: 'keys[1]', problem: 'repeated kid; first one kept' }]);
  });

  it.each([null, [], 'x', { keys: 'no' }, {}])('reports a document that is not a JWKS (%j)', (doc) => {
    expect(parseJwks(doc, ['ES256'])).toEqual({
      keys: [],
      issues: [{ at: 'keys', problem: 'expected a JSON object with a "keys" array' }],
    });
  });
});

describe('jwksMaxAgeS', () => {
  const bounds = { minS: 30, maxS: 600 };
  it.each([
    [null, 600],
    ['public', 600],
    ['public, max-age=300', 300],
    ['max-age="120"', 120],
    ['max-age=5', 30],
    ['max-age=86400', 600],
    ['no-store', 30],
    ['private, no-cache', 30],
    ['max-age=abc', 600],
  ])('Cache-Control %j → %i s', (header, expected) => {
    expect(jwksMaxAgeS(header, bounds)).toBe(expected);
  });
});

describe('refreshDue', () => {
  const base = { fetchedAt: 0, maxAgeMs: 600_000, attemptedAt: 0, minIntervalMs: 60_000 };
  it('fetches on first use', () => {
    expect(refreshDue({ ...base, fetchedAt: undefined, attemptedAt: undefined }, 5, 'lookup')).toBe(true);
  });
  it('refetches an unknown kid only once the interval since the last attempt has passed', () => {
    expect(refreshDue(base, 59_999, 'unknown-kid')).toBe(false);
    expect(refreshDue(base, 60_000, 'unknown-kid')).toBe(true);
  });
  it('refreshes a set older than its max age, but not more often than the interval', () => {
    expect(refreshDue(base, 599_999, 'lookup')).toBe(false);
    expect(refreshDue(base, 600_000, 'lookup')).toBe(true);
    expect(refreshDue({ ...base, attemptedAt: 590_000 }, 600_000, 'lookup')).toBe(false);
  });
});
