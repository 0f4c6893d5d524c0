import { describe, expect, it } from 'vitest';
import { isIsoCountry, isIsoSubdivision } from '../../../src/core/geo/countries.ts';
import { continentOf } from '../../../src/core/hls/continents.ts';

const EVERY_TWO_LETTERS = Array.from({ length: 26 * 26 }, (_, i) =>
  String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)),
);

describe('ISO 3166-1 alpha-2 country codes', () => {
  it('knows the 249 assigned codes plus XK (Kosovo, which Cloudflare reports)', () => {
    const known = EVERY_TWO_LETTERS.filter(isIsoCountry);
    expect(known).toHaveLength(250);
    expect(known).toEqual(expect.arrayContaining(['AD', 'GB', 'US', 'XK', 'ZW', 'AQ', 'SS']));
  });

  it('refuses common mistakes, reserved and user-assigned codes', () => {
    for (const code of ['UK', 'EU', 'XX', 'T1', 'ZZ', 'AA', 'QM'])
      expect(isIsoCountry(code), code).toBe(false);
  });

  it('is case-sensitive: config spells codes in capitals', () => {
    expect(isIsoCountry('gb')).toBe(false);
    expect(isIsoCountry('Gb')).toBe(false);
    expect(isIsoCountry('GB ')).toBe(false);
    expect(isIsoCountry('')).toBe(false);
  });

  it('gives every known country a continent, and no other code one', () => {
    for (const code of EVERY_TWO_LETTERS)
      expect(continentOf(code) !== undefined, code).toBe(isIsoCountry(code));
  });

  it('accepts subdivisions of known countries only', () => {
    expect(isIsoSubdivision('US-CA')).toBe(true);
    expect(isIsoSubdivision('FR-75C')).toBe(true);
    expect(isIsoSubdivision('UK-ENG')).toBe(false);
    expect(isIsoSubdivision('us-ca')).toBe(false);
  });
});
