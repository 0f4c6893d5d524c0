/** Shield request handling before the cache: health, auth, methods, paths, query, CORS, 404. */
import { afterEach, describe, expect, it } from 'vitest';
import { IMMUTABLE, type Pair, send, startPair } from './helpers.ts';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe('shield routing', () => {
  it('answers /healthz with ok without requiring the shared secret', async () => {
    pair = await startPair({ SHIELD_SHARED_SECRET: 's3cret' });
    const res = await send(pair.shield.url, '/healthz');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(pair.upstream.requests).toHaveLength(0);
  });

  it.each(['/a/%2e%2e/b.ts', '/a/../b', '/a/%2E%2E%2Fsecret', '/a\\b.ts'])(
    'rejects the traversal path %s with 400 SHIELD_ERR_BAD_PATH without going upstream',
    async (path) => {
      pair = await startPair();
      const res = await send(pair.shield.url, path);
      expect(res.status).toBe(400);
      expect(res.header('content-type')).toBe('application/json');
      expect((res.json() as { code: string }).code).toBe('SHIELD_ERR_BAD_PATH');
      expect(pair.upstream.requests).toHaveLength(0);
    },
  );

  it('rejects POST with 405 and an Allow header', async () => {
    pair = await startPair();
    const res = await send(pair.shield.url, '/a.ts', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.header('allow')).toBe('GET, HEAD, OPTIONS');
    expect((res.json() as { code: string }).code).toBe('SHIELD_ERR_METHOD_NOT_ALLOWED');
    expect(pair.upstream.requests).toHaveLength(0);
  });

  it('refuses a request without the shared secret with 401 and no upstream request', async () => {
    pair = await startPair({ SHIELD_SHARED_SECRET: 's3cret' });
    pair.upstream.route('/a.ts', { body: 'x', headers: IMMUTABLE });
    const res = await send(pair.shield.url, '/a.ts');
    expect(res.status).toBe(401);
    expect((res.json() as { code: string }).code).toBe('SHIELD_ERR_UNAUTHORIZED');
    expect(res.header('access-control-allow-origin')).toBe('*');
    expect(pair.upstream.requests).toHaveLength(0);
  });

  it('refuses a wrong shared secret with 401', async () => {
    pair = await startPair({ SHIELD_SHARED_SECRET: 's3cret' });
    const res = await send(pair.shield.url, '/a.ts', { headers: { 'x-edgeshield-auth': 's3cres' } });
    expect(res.status).toBe(401);
    expect(pair.upstream.requests).toHaveLength(0);
  });

  it('serves a request carrying the shared secret without forwarding it or client credentials', async () => {
    pair = await startPair({ SHIELD_SHARED_SECRET: 's3cret' });
    pair.upstream.route('/a.ts', { body: 'x', headers: IMMUTABLE });
    const res = await send(pair.shield.url, '/a.ts', {
      headers: { 'x-edgeshield-auth': 's3cret', authorization: 'Bearer t', cookie: 'sid=1' },
    });
    expect(res.status).toBe(200);
    const seen = pair.upstream.requests[0]?.headers ?? {};
    expect(seen['x-edgeshield-auth']).toBeUndefined();
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBeUndefined();
  });

  it('forwards only the _HLS_* query parameters upstream, sorted', async () => {
    pair = await startPair();
    pair.upstream.route('/live/index.m3u8', { body: '#EXTM3U\n', headers: { 'cache-control': 'max-age=1' } });
    await send(pair.shield.url, '/live/index.m3u8?token=abc&_HLS_part=2&CMCD=br%3D1&_HLS_msn=10');
    expect(pair.upstream.requests[0]?.url).toBe('/live/index.m3u8?_HLS_msn=10&_HLS_part=2');
  });

  it('keys the cache on the content query, ignoring other parameters', async () => {
    pair = await startPair();
    pair.upstream.route('/v.m3u8', { body: '#EXTM3U\n', headers: { 'cache-control': 'max-age=300' } });
    await send(pair.shield.url, '/v.m3u8?token=a');
    expect((await send(pair.shield.url, '/v.m3u8?token=b&cb=1')).header('x-cache')).toBe('HIT');
    expect((await send(pair.shield.url, '/v.m3u8?_HLS_msn=3')).header('x-cache')).toBe('MISS');
    expect(pair.upstream.count('/v.m3u8')).toBe(2);
  });

  it('passes an upstream 404 through as 404 SHIELD_ERR_NOT_FOUND and does not cache it when negative caching is off', async () => {
    pair = await startPair({ SHIELD_NEGATIVE_TTL_SEC: '0' });
    const first = await send(pair.shield.url, '/missing.ts');
    await send(pair.shield.url, '/missing.ts');
    expect(first.status).toBe(404);
    expect((first.json() as { code: string }).code).toBe('SHIELD_ERR_NOT_FOUND');
    expect(pair.upstream.count('/missing.ts')).toBe(2);
  });

  it('answers a CORS preflight with the allowed methods', async () => {
    pair = await startPair({ SHIELD_CORS_ORIGINS: 'https://player.example' });
    const res = await send(pair.shield.url, '/a.ts', {
      method: 'OPTIONS',
      headers: { origin: 'https://player.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.header('access-control-allow-origin')).toBe('https://player.example');
    expect(res.header('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(pair.upstream.requests).toHaveLength(0);
  });

  it('sends CORS headers on cached objects', async () => {
    pair = await startPair();
    pair.upstream.route('/a.ts', { body: 'x', headers: IMMUTABLE });
    await send(pair.shield.url, '/a.ts');
    const hit = await send(pair.shield.url, '/a.ts', { headers: { origin: 'https://p.example' } });
    expect(hit.header('access-control-allow-origin')).toBe('*');
    expect(hit.header('access-control-expose-headers')).toContain('x-cache');
  });
});
