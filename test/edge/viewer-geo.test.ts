import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGeoConfig } from '../../src/edge/config-geo.ts';
import {
  createClientHeaderGeo,
  geoFromCf,
  isLoopbackHostname,
} from '../../src/edge/middleware/viewer-geo.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { type EdgeWorker, logsWith, startEdgeWorker } from './edge-worker.ts';

function withCf(
  cf: Record<string, unknown>,
  headers: Record<string, string> = {},
  url = 'https://edge.test/a.m3u8',
): Request {
  const req = new Request(url, { headers });
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

describe('createClientHeaderGeo (DEV_TRUST_CLIENT_COUNTRY=on, dev only)', () => {
  const LOCAL = 'http://127.0.0.1:8787/a.m3u8';

  it('lets the CF-IPCountry header win over request.cf.country on a loopback host, dropping the cf region', () => {
    const getGeo = createClientHeaderGeo(() => {});
    expect(
      getGeo(withCf({ country: 'US', regionCode: 'CA', colo: 'DEV' }, { 'cf-ipcountry': 'in' }, LOCAL)),
    ).toEqual({ country: 'IN', colo: 'DEV' });
  });

  it('falls back to request.cf without a usable header', () => {
    const getGeo = createClientHeaderGeo(() => {});
    expect(getGeo(withCf({ country: 'US' }, { 'cf-ipcountry': 'India' }, LOCAL))).toEqual({ country: 'US' });
  });

  it('ignores the header for a non-loopback host even when the var is on', () => {
    const getGeo = createClientHeaderGeo(() => {});
    const req = withCf(
      { country: 'US', regionCode: 'CA' },
      { 'cf-ipcountry': 'IN' },
      'https://edge.example.com/a.m3u8',
    );
    expect(getGeo(req)).toEqual({ country: 'US', region: 'CA' });
  });

  it('reports an ignored non-loopback request once, naming the hostname', () => {
    const ignored: string[] = [];
    const getGeo = createClientHeaderGeo((hostname) => ignored.push(hostname));
    getGeo(withCf({ country: 'US' }, { 'cf-ipcountry': 'IN' }, 'https://edge.example.com/a.m3u8'));
    getGeo(withCf({ country: 'US' }, { 'cf-ipcountry': 'IN' }, 'https://other.example.com/b.ts'));
    getGeo(withCf({ country: 'US' }, { 'cf-ipcountry': 'IN' }, LOCAL));
    expect(ignored).toEqual(['edge.example.com']);
  });

  it('treats 127.0.0.0/8, [::1] and localhost as loopback, and nothing else', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://127.9.8.7:1/',
      'http://[::1]:8787/',
      'http://LOCALHOST/',
      'http://2130706433/',
    ])
      expect(isLoopbackHostname(new URL(url).hostname), url).toBe(true);
    for (const url of [
      'https://edge.example.com/',
      'http://128.0.0.1/',
      'http://127.0.0.1.example.com/',
      'http://localhost.example.com/',
      'http://[::2]/',
      'http://10.0.0.1/',
    ])
      expect(isLoopbackHostname(new URL(url).hostname), url).toBe(false);
  });
});

describe('DEV_TRUST_CLIENT_COUNTRY in the Worker (workerd)', () => {
  let shield: CountingUpstream;
  let edge: EdgeWorker;
  const fetchAs = (origin: string, country: string) =>
    edge.mf.dispatchFetch(`${origin}/vod/a/seg.ts`, {
      cf: { country: 'US' },
      headers: { 'cf-ipcountry': country },
    });

  beforeAll(async () => {
    shield = await startCountingUpstream();
    shield.route('/vod/a/seg.ts', { body: 'x', headers: { 'cache-control': 'no-store' } });
    edge = await startEdgeWorker({
      SHIELD_URLS: shield.url,
      AUTH_MODE: 'off',
      DEV_TRUST_CLIENT_COUNTRY: 'on',
      GEO_RULES: JSON.stringify([{ prefix: '/vod/', deny: { countries: ['FR'] } }]),
    });
  });

  afterAll(async () => {
    await edge?.dispose();
    await shield?.close();
  });

  it('ignores a client CF-IPCountry on a non-loopback host and logs that once', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetchAs('https://edge.example.com', 'FR');
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const warnings = (await logsWith(edge, 'dev-trust-client-country-ignored')).filter((m) =>
      m.includes('dev-trust-client-country-ignored'),
    );
    expect(warnings).toHaveLength(1);
  });

  it('honours a client CF-IPCountry on a loopback host', async () => {
    const res = await fetchAs('http://127.0.0.1:8787', 'FR');
    expect(res.status).toBe(403);
    await res.arrayBuffer();
  });
});

describe('DEV_TRUST_CLIENT_COUNTRY', () => {
  it('is off by default', () => {
    expect(parseGeoConfig({}, []).trustClientCountry).toBe(false);
  });

  it('accepts on and refuses anything but on/off, naming the key', () => {
    expect(parseGeoConfig({ DEV_TRUST_CLIENT_COUNTRY: 'on' }, []).trustClientCountry).toBe(true);
    const issues: { key: string; expected: string; got: string }[] = [];
    parseGeoConfig({ DEV_TRUST_CLIENT_COUNTRY: 'yes' }, issues);
    expect(issues).toEqual([{ key: 'DEV_TRUST_CLIENT_COUNTRY', expected: '"on" or "off"', got: '"yes"' }]);
  });
});
