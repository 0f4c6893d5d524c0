/**
 * Routing, methods, CORS preflight and path refusal in workerd, against a counting fake shield.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useEdgeWithShield } from './edge-worker.ts';

const { shield, edge } = useEdgeWithShield({
  AUTH_MODE: 'off',
  CORS_ORIGINS: 'https://player.example',
});

/** Sends a request line verbatim over a socket, so no client-side URL parser touches the path. */
async function rawGet(path: string): Promise<{ status: number; body: string }> {
  const url = await edge().mf.ready;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: edge.test\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('routes', () => {
  it('answers /healthz with 200 JSON without asking the shield', async () => {
    const res = await edge().fetch('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(shield().requests).toHaveLength(0);
  });

  it('answers an unknown extension with 404 EDGE_ERR_NOT_FOUND and never asks the shield', async () => {
    const res = await edge().fetch('/vod/readme.txt');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_NOT_FOUND' });
    expect(shield().count('/vod/readme.txt')).toBe(0);
  });

  it('puts CORS headers on a 404 for an allowed origin', async () => {
    const res = await edge().fetch('/nope', { headers: { origin: 'https://player.example' } });
    await res.text();
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://player.example');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('grants nothing to an origin that is not configured', async () => {
    const res = await edge().fetch('/nope', { headers: { origin: 'https://evil.example' } });
    await res.text();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('methods', () => {
  it('refuses POST with 405 and Allow', async () => {
    const res = await edge().fetch('/vod/a.ts', { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await res.json()).toMatchObject({ code: 'EDGE_ERR_METHOD_NOT_ALLOWED' });
    expect(shield().count('/vod/a.ts')).toBe(0);
  });

  it('answers an OPTIONS preflight with 204 and the allowed methods', async () => {
    const res = await edge().fetch('/vod/a.ts', {
      method: 'OPTIONS',
      headers: { origin: 'https://player.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toContain('Range');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://player.example');
    expect(shield().count('/vod/a.ts')).toBe(0);
  });
});

describe('path traversal', () => {
  // Measured, not assumed: the URL parser resolves literal and %2e-encoded dot segments (WHATWG URL
  // "single-dot/double-dot segment") before the Worker sees request.url, whether the request comes
  // through Node's fetch or as raw bytes on workerd's socket. The Worker then serves the resolved
  // path, so `..` can never reach the shield.
  it.each(['/a/../trav-lit/b.ts', '/a/%2e%2e/trav-enc/b.ts', '/a/.%2E/trav-mixed/b.ts'])(
    'receives %s from workerd with its dot segments already resolved',
    async (path) => {
      const resolved = path.replace(/^\/a\/[^/]+/, '');
      shield().route(resolved, { body: 'x', headers: { 'cache-control': 'no-store' } });
      const res = await rawGet(path);
      expect(res.status).toBe(200);
      expect(
        shield()
          .requests.filter((r) => r.url.includes('trav-'))
          .map((r) => r.url),
      ).toContain(resolved);
      expect(shield().requests.some((r) => r.url.includes('..') || /%2e/i.test(r.url))).toBe(false);
    },
  );

  it.each([
    ['an encoded slash inside a dot-dot segment', '/vod/..%2f..%2fetc/passwd.ts'],
    ['double-encoded dots', '/vod/%252e%252e/secret.ts'],
    ['an encoded backslash', '/vod/..%5c..%5csecret.ts'],
    ['an encoded NUL', '/vod/seg%00.ts'],
    ['broken percent-encoding', '/vod/%zz/seg.ts'],
  ])('refuses %s with 400 EDGE_ERR_BAD_PATH and never asks the shield', async (_name, path) => {
    const before = shield().requests.length;
    const res = await edge().fetch(path, { headers: { origin: 'https://player.example' } });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ code: 'EDGE_ERR_BAD_PATH', message: 'bad request path' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://player.example');
    expect(shield().requests.length).toBe(before);
  });

  it('refuses the same paths when they arrive as raw bytes on the socket', async () => {
    const before = shield().requests.length;
    const res = await rawGet('/vod/..%2f..%2fsecret.ts');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'EDGE_ERR_BAD_PATH' });
    expect(shield().requests.length).toBe(before);
  });
});
