/**
 * Geo rules and their config parser: allow/deny by country and region, XX/T1 policy, token claim,
 * longest-prefix selection, and issues that name the exact element.
 */
import { describe, expect, it } from 'vitest';
import { parseGeoRules } from '../../../src/core/geo/parse.ts';
import { decideGeo, type GeoRule } from '../../../src/core/geo/rules.ts';

const base = { unknown: 'deny', tor: 'deny', status: 403 } as const;
const RULES: GeoRule[] = [
  { ...base, prefix: '/', deny: { countries: ['KP'] } },
  {
    ...base,
    prefix: '/vod/',
    allow: { countries: ['DE', 'AT'], regions: ['US-CA'] },
    status: 451,
    blockedBy: 'https://r.example',
  },
  { ...base, prefix: '/open/', unknown: 'allow', tor: 'allow' },
];

describe('decideGeo', () => {
  it('allows a listed country and blocks an unlisted one with the rule status', () => {
    expect(decideGeo(RULES, '/vod/a.ts', { country: 'DE' }).allowed).toBe(true);
    expect(decideGeo(RULES, '/vod/a.ts', { country: 'FR' })).toMatchObject({
      allowed: false,
      reason: 'rule-not-allowed',
      status: 451,
      blockedBy: 'https://r.example',
    });
  });

  it('allows a listed region of an otherwise unlisted country', () => {
    expect(decideGeo(RULES, '/vod/a.ts', { country: 'US', region: 'CA' }).allowed).toBe(true);
    expect(decideGeo(RULES, '/vod/a.ts', { country: 'US', region: 'NY' }).allowed).toBe(false);
  });

  it('uses the longest matching prefix only', () => {
    expect(decideGeo(RULES, '/live/a.ts', { country: 'FR' }).allowed).toBe(true);
    expect(decideGeo(RULES, '/live/a.ts', { country: 'KP' })).toMatchObject({ allowed: false, status: 403 });
  });

  it('denies unknown and Tor by default where a rule applies, and follows explicit allow', () => {
    expect(decideGeo(RULES, '/live/a.ts', undefined)).toMatchObject({
      allowed: false,
      reason: 'unknown-country',
    });
    expect(decideGeo(RULES, '/live/a.ts', { country: 'T1' })).toMatchObject({
      allowed: false,
      reason: 'tor',
    });
    expect(decideGeo(RULES, '/open/a.ts', { country: 'XX' }).allowed).toBe(true);
    expect(decideGeo(RULES, '/open/a.ts', { country: 'T1' }).allowed).toBe(true);
    expect(decideGeo([], '/x', undefined).allowed).toBe(true);
  });

  it('requires the token geo claim to pass as well', () => {
    expect(decideGeo(RULES, '/open/a.ts', { country: 'FR' }, { allow: ['DE'] })).toMatchObject({
      allowed: false,
      reason: 'token-geo',
    });
    expect(decideGeo(RULES, '/open/a.ts', { country: 'DE' }, { deny: ['DE'] }).allowed).toBe(false);
    expect(decideGeo(RULES, '/open/a.ts', { country: 'DE' }, { allow: ['DE'] }).allowed).toBe(true);
  });
});

describe('parseGeoRules', () => {
  it('names the exact element of a bad country code', () => {
    const r = parseGeoRules('[{"prefix":"/"},{"prefix":"/a/"},{"prefix":"/b/","deny":{"countries":["UK"]}}]');
    expect(r.issues).toEqual([
      { at: '[2].deny.countries[0]', expected: 'ISO 3166-1 alpha-2', found: '"UK"' },
    ]);
  });

  it('reports bad JSON, bad status, bad regions, unknown keys and bad Link targets', () => {
    expect(parseGeoRules('{').issues[0]?.at).toBe('');
    const r = parseGeoRules(
      '[{"prefix":"/","status":404,"allow":{"regions":["CA"]},"colour":1,"blockedBy":"x"}]',
    );
    expect(r.issues.map((i) => i.at).sort()).toEqual([
      '[0].allow.regions[0]',
      '[0].blockedBy',
      '[0].colour',
      '[0].status',
    ]);
  });

  it('applies defaults: deny unknown and Tor, status 403', () => {
    expect(parseGeoRules('[{"prefix":"/x/","deny":{"countries":["GB"]}}]').rules[0]).toEqual({
      prefix: '/x/',
      deny: { countries: ['GB'] },
      unknown: 'deny',
      tor: 'deny',
      status: 403,
    });
  });
});
