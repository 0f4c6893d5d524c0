import { describe, expect, it } from 'vitest';
import { parseGeoConfig } from '../../src/edge/config-geo.ts';
import { geoFromCf, geoFromClientHeader } from '../../src/edge/middleware/viewer-geo.ts';

function withCf(cf: Record<string, unknown>, headers: Record<string, string> = {}): Request {
  const req = new Request('https://edge.test/a.m3u8', { headers });
  Object.defineProperty(req, 'cf', { value: cf });
  return req;
}

describe('geoFromCf', () => {
  it('reads country, region and colo from request.cf', () => {
    expect(geoFromCf(withCf({ country: 'US', regionCode: 'CA', colo: 'SJC' }))).toEqual({
      country: 'US',
      region: 'CA',
      colo: 'SJC',
    });
  });

  it('falls back to the CF-IPCountry header when request.cf has no country', () => {
    expect(geoFromCf(withCf({}, { 'cf-ipcountry': 'de' }))).toEqual({ country: 'DE' });
  });

  it('keeps the unknown (XX) and Tor (T1) codes so policy can decide on them', () => {
    expect(geoFromCf(withCf({ country: 'T1' }))?.country).toBe('T1');
    expect(geoFromCf(withCf({ country: 'XX' }))?.country).toBe('XX');
  });

  it('treats a malformed country as unknown', () => {
    expect(geoFromCf(withCf({ country: 'United Kingdom' }))).toBeUndefined();
  });
});

describe('geoFromClientHeader (DEV_TRUST_CLIENT_COUNTRY=on, dev only)', () => {
  it('lets the CF-IPCountry header win over request.cf.country, dropping the cf region', () => {
    expect(
      geoFromClientHeader(withCf({ country: 'US', regionCode: 'CA', colo: 'DEV' }, { 'cf-ipcountry': 'in' })),
    ).toEqual({ country: 'IN', colo: 'DEV' });
  });

  it('falls back to request.cf without a usable header', () => {
    expect(geoFromClientHeader(withCf({ country: 'US' }, { 'cf-ipcountry': 'India' }))).toEqual({
      country: 'US',
    });
  });
});

describe('DEV_TRUST_CLIENT_COUNTRY', () => {
  it('is off by default', () => {
    expect(parseGeoConfig({}, []).trustClientCountry).toBe(false);
  });

  it('accepts on and refuses anything but on/off, naming the key', () => {
    expect(parseGeoConfig({ DEV_TRUST_CLIENT_COUNTRY: 'on' }, []).trustClientCountry).toBe(true);
    const issues: { key: string; expected: string; found: string }[] = [];
    parseGeoConfig({ DEV_TRUST_CLIENT_COUNTRY: 'yes' }, issues);
    expect(issues).toEqual([{ key: 'DEV_TRUST_CLIENT_COUNTRY', expected: 'on or off', found: '"yes"' }]);
  });
});
