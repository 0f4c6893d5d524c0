/**
 * DESIGN.md "Response headers": x-cache, Age, Server-Timing and CORS on every edge response — cache
 * misses and hits, keys, errors, 405, the OPTIONS preflight, /healthz and the config-error app.
 */
import type { Response } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeWorker, startEdgeWorker, useEdgeWithShield, waitUntilCached } from './edge-worker.ts';

const ORIGIN = { origin: 'https://player.example' };
const SEGMENT = {
  body: 'segment-bytes',
  headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=31536000, immutable' },
};

/** The four headers every response must carry, read from one response (body drained). */
async function visibility(res: Response) {
  await res.arrayBuffer();
  return {
    xCache: res.headers.get('x-cache'),
    age: res.headers.get('age'),
    serverTiming: res.headers.get('server-timing'),
    cors: res.headers.get('access-control-allow-origin'),
  };
}

function expectAllFour(seen: Awaited<ReturnType<typeof visibility>>, xCache: string): void {
  expect(seen.xCache).toBe(xCache);
  expect(seen.age).toMatch(/^\d+$/);
  expect(seen.serverTiming).toMatch(/edge;dur=\d+/);
  expect(seen.cors).toBe('*');
}

describe('response headers on every response', () => {
  const { shield, edge } = useEdgeWithShield({ AUTH_MODE: 'off' });

  it('a cache MISS carries x-cache, Age 0, Server-Timing and CORS', async () => {
    shield().route('/vod/h/seg.ts', SEGMENT);
    const seen = await visibility(await edge().fetch('/vod/h/seg.ts', { headers: ORIGIN }));
    expectAllFour(seen, 'MISS');
    expect(seen.age).toBe('0');
  });

  it('a cache HIT carries x-cache, Age, Server-Timing and CORS', async () => {
    await waitUntilCached(edge(), '/vod/h/seg.ts');
    expectAllFour(await visibility(await edge().fetch('/vod/h/seg.ts', { headers: ORIGIN })), 'HIT');
  });

  it('a key carries x-cache BYPASS and Age 0, never the shield’s age', async () => {
    shield().route('/vod/h/k.key', { body: '0123456789abcdef', headers: { age: '42' } });
    const seen = await visibility(await edge().fetch('/vod/h/k.key', { headers: ORIGIN }));
    expectAllFour(seen, 'BYPASS');
    expect(seen.age).toBe('0');
  });

  it('a 404 carries x-cache, Age, Server-Timing and CORS', async () => {
    const res = await edge().fetch('/nothing-here.txt', { headers: ORIGIN });
    expect(res.status).toBe(404);
    expectAllFour(await visibility(res), 'BYPASS');
  });

  it('a 405 carries x-cache, Age, Server-Timing and CORS', async () => {
    const res = await edge().fetch('/vod/h/seg.ts', { method: 'POST', headers: ORIGIN });
    expect(res.status).toBe(405);
    expectAllFour(await visibility(res), 'BYPASS');
  });

  it('the OPTIONS preflight carries x-cache, Age, Server-Timing and CORS', async () => {
    const res = await edge().fetch('/vod/h/seg.ts', {
      method: 'OPTIONS',
      headers: { ...ORIGIN, 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expectAllFour(await visibility(res), 'BYPASS');
  });

  it('/healthz carries x-cache, Age, Server-Timing and CORS', async () => {
    const res = await edge().fetch('/healthz', { headers: ORIGIN });
    expect(res.status).toBe(200);
    expectAllFour(await visibility(res), 'BYPASS');
  });
});

describe('response headers while the configuration is invalid', () => {
  let broken: EdgeWorker;
  beforeAll(async () => {
    broken = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: 'not a url' });
  });
  afterAll(async () => {
    await broken?.dispose();
  });

  it('the 500 EDGE_ERR_CONFIG carries x-cache, Age, Server-Timing and CORS', async () => {
    const res = await broken.fetch('/vod/h/seg.ts', { headers: ORIGIN });
    expect(res.status).toBe(500);
    expectAllFour(await visibility(res), 'BYPASS');
  });
});
