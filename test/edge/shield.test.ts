/**
 * Edge → shield: failures map to 502/504, credentials go out, viewer credentials never do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendezvousOwner } from '../../src/core/cache/rendezvous.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { closedPort, EDGE, type EdgeWorker, startEdgeWorker, useEdgeWithShield } from './edge-worker.ts';

const SEGMENT = { body: 'segment-bytes', headers: { 'cache-control': 'public, max-age=60' } };

describe('an unreachable shield', () => {
  let edge: EdgeWorker;
  beforeAll(async () => {
    edge = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: `http://127.0.0.1:${await closedPort()}` });
  });
  afterAll(async () => {
    await edge?.dispose();
  });

  it('answers 502 EDGE_ERR_SHIELD_UNREACHABLE with a JSON body and no stack', async () => {
    const res = await edge.fetch('/vod/a.ts', { headers: { origin: 'https://p.example' } });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({
      code: 'EDGE_ERR_SHIELD_UNREACHABLE',
      message: 'upstream unavailable',
    });
    expect(body).not.toMatch(/127\.0\.0\.1|at \w+ \(|Error:/);
  });
});

describe('a hanging shield', () => {
  const TIMEOUT_MS = 400;
  const { shield, edge } = useEdgeWithShield({ AUTH_MODE: 'off', SHIELD_TIMEOUT_MS: String(TIMEOUT_MS) });

  it('answers 504 EDGE_ERR_SHIELD_TIMEOUT once SHIELD_TIMEOUT_MS has passed', async () => {
    shield().route('/vod/hang.ts', { hang: true });
    const started = performance.now();
    const res = await edge().fetch('/vod/hang.ts');
    const elapsed = performance.now() - started;
    // Outcomes, not a wall-clock ceiling: the shield was asked once and the edge gave up with 504.
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_SHIELD_TIMEOUT' });
    expect(shield().count('/vod/hang.ts')).toBe(1);
    // It did wait for the deadline rather than failing fast (a floor only; no ceiling on a busy box).
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });
});

describe('failover across SHIELD_URLS', () => {
  let broken: CountingUpstream;
  let healthy: CountingUpstream;
  let edge: EdgeWorker;
  beforeAll(async () => {
    broken = await startCountingUpstream();
    healthy = await startCountingUpstream();
    broken.route('/vod/fo-5xx.ts', { status: 503, body: 'down' });
    healthy.route('/vod/fo-5xx.ts', SEGMENT);
    const refused = `http://127.0.0.1:${await closedPort()}`;
    edge = await startEdgeWorker({
      AUTH_MODE: 'off',
      SHIELD_URLS: `${refused}, ${broken.url}, ${healthy.url}`,
    });
  });
  afterAll(async () => {
    await edge?.dispose();
    await broken?.close();
    await healthy?.close();
  });

  it('tries the next shield after a refused connection and after a 5xx', async () => {
    const res = await edge.fetch('/vod/fo-5xx.ts');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('segment-bytes');
    // Rendezvous order decides whether the 5xx shield comes before the healthy one; never twice.
    expect(broken.count('/vod/fo-5xx.ts')).toBeLessThanOrEqual(1);
    expect(healthy.count('/vod/fo-5xx.ts')).toBe(1);
  });

  it('answers 502 when every shield answers 5xx', async () => {
    broken.route('/vod/fo-all.ts', { status: 500, body: 'boom' });
    healthy.route('/vod/fo-all.ts', { status: 503, body: 'down' });
    const res = await edge.fetch('/vod/fo-all.ts');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_SHIELD_UNREACHABLE' });
  });
});

describe('failover after a shield TIMEOUT, with health memory', () => {
  const TIMEOUT_MS = 400;
  // no-store: the second request for the same object must reach a shield, not the edge cache.
  const UNCACHED = { body: 'fresh-bytes', headers: { 'cache-control': 'no-store' } };
  let hanging: CountingUpstream;
  let healthy: CountingUpstream;
  let edge: EdgeWorker;
  let path = '';
  beforeAll(async () => {
    hanging = await startCountingUpstream();
    healthy = await startCountingUpstream();
    // An object whose rendezvous owner (tried first) is the hanging shield.
    const shields = [hanging.url, healthy.url];
    const candidates = Array.from({ length: 32 }, (_, i) => `/vod/to/seg_${i}.ts`);
    path =
      candidates.find((p) => rendezvousOwner(`https://${new URL(EDGE).host}${p}`, shields) === hanging.url) ??
      '';
    hanging.route(path, { hang: true });
    healthy.route(path, UNCACHED);
    edge = await startEdgeWorker({
      AUTH_MODE: 'off',
      SHIELD_URLS: shields.join(','),
      SHIELD_TIMEOUT_MS: String(TIMEOUT_MS),
      SHIELD_COOLDOWN_S: '60',
    });
  });
  afterAll(async () => {
    await edge?.dispose();
    await hanging?.close();
    await healthy?.close();
  });

  it('answers 200 from the second shield once the first one timed out', async () => {
    expect(path).not.toBe('');
    const started = performance.now();
    const res = await edge.fetch(path);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('fresh-bytes');
    expect(hanging.count(path)).toBe(1);
    expect(healthy.count(path)).toBe(1);
    // The first attempt ran into its deadline (a floor only; no ceiling on a busy box).
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });

  it('tries the healthy shield first for the next request of the same object', async () => {
    const res = await edge.fetch(path);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('fresh-bytes');
    expect(res.headers.get('x-cache')).not.toBe('HIT');
    // The timed-out shield is cooling down: it is not asked again.
    expect(hanging.count(path)).toBe(1);
    expect(healthy.count(path)).toBe(2);
  });
});

describe('edge credentials', () => {
  const { shield, edge } = useEdgeWithShield({
    AUTH_MODE: 'off',
    SHIELD_SHARED_SECRET: 'edge-to-shield-secret',
  });

  it("sends x-edgeshield-auth and never the viewer's Authorization, Cookie, token or Range", async () => {
    shield().route('/vod/creds/seg.ts', SEGMENT);
    const res = await edge().fetch('/vod/creds/seg.ts?token=viewer-jwt&CMCD=br%3D300', {
      headers: {
        authorization: 'Bearer viewer-jwt',
        cookie: 'session=viewer',
        range: 'bytes=0-3',
        'x-forwarded-for': '203.0.113.9',
      },
    });
    await res.text();
    const sent = shield().requests.find((r) => r.url.startsWith('/vod/creds/'));
    expect(sent?.url).toBe('/vod/creds/seg.ts');
    expect(sent?.headers['x-edgeshield-auth']).toBe('edge-to-shield-secret');
    expect(sent?.headers.authorization).toBeUndefined();
    expect(sent?.headers.cookie).toBeUndefined();
    expect(sent?.headers.range).toBeUndefined();
    expect(sent?.headers['x-forwarded-for']).toBeUndefined();
  });

  it('answers 502, not 403, when the shield refuses the edge credentials', async () => {
    shield().route('/vod/creds/refused.ts', {
      status: 403,
      body: '{"code":"SHIELD_ERR_UNAUTHORIZED","message":"forbidden"}\n',
      headers: { 'content-type': 'application/json' },
    });
    const res = await edge().fetch('/vod/creds/refused.ts');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_SHIELD_UNREACHABLE' });
  });
});

describe('no shared secret configured', () => {
  const { shield, edge } = useEdgeWithShield({ AUTH_MODE: 'off' });

  it('sends no x-edgeshield-auth header', async () => {
    shield().route('/vod/nosecret.ts', SEGMENT);
    await (await edge().fetch('/vod/nosecret.ts')).text();
    expect(shield().requests[0]?.headers['x-edgeshield-auth']).toBeUndefined();
  });
});
