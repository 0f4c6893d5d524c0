import { describe, expect, it } from 'vitest';
import { geoFromCf } from '../../src/edge/middleware/viewer-geo.ts';

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
