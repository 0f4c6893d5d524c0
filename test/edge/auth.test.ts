/**
 * Viewer auth in workerd: the real Worker, the real cache, a counting fake shield on a real socket.
 * Tokens are minted with the library signer (src/core/auth) against keys made at test time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { signUrl } from '../../src/core/auth/signer.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { jwksText, makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import { type EdgeWorker, logsWith, startEdgeWorker, waitUntilCached } from './edge-worker.ts';

const SEGMENT = 'segment-bytes';
const now = () => Math.floor(Date.now() / 1000);
let shield: CountingUpstream;
let edge: EdgeWorker;
let key: TestKeyPair;

function route(path: string, cacheControl = 'public, max-age=31536000, immutable'): void {
  shield.route(path, {
    body: SEGMENT,
    headers: { 'content-type': 'video/mp2t', 'cache-control': cacheControl },
  });
}

async function token(claims: Record<string, unknown>, k: TestKeyPair = key): Promise<string> {
  return signJwt(crypto.subtle, k.signing, { exp: now() + 600, ...claims });
}

async function codeOf(res: { json(): Promise<unknown> }): Promise<string> {
  return ((await res.json()) as { code: string }).code;
}

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
  shield = await startCountingUpstream();
  edge = await startEdgeWorker({ SHIELD_URLS: shield.url, AUTH_JWKS: jwksText(key) });
});

afterAll(async () => {
  await edge?.dispose();
  await shield?.close();
});

describe('token sources', () => {
  it('answers 401 EDGE_ERR_TOKEN_MISSING when no token is presented', async () => {
    route('/vod/m/seg.ts');
    const res = await edge.fetch('/vod/m/seg.ts');
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe('EDGE_ERR_TOKEN_MISSING');
    expect(shield.count('/vod/m/seg.ts')).toBe(0);
  });

  it('accepts a path token and strips it before the cache and the shield', async () => {
    route('/vod/p/seg.ts');
    const t = await token({ acl: ['/vod/p/'] });
    const res = await edge.fetch(`/~t/${t}/vod/p/seg.ts`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(SEGMENT);
    expect(shield.count('/vod/p/seg.ts')).toBe(1);
    expect(shield.requests.some((r) => r.url.includes(t) || r.url.includes('~t'))).toBe(false);
  });

  it('accepts a query token and never forwards it to the shield or keys the cache on it', async () => {
    route('/vod/q/seg.ts');
    const a = await token({ acl: ['/vod/q/'], sub: 'a' });
    const b = await token({ acl: ['/vod/q/'], sub: 'b' });
    const first = await edge.fetch(`/vod/q/seg.ts?token=${a}`);
    await first.arrayBuffer();
    expect(first.status).toBe(200);
    await waitUntilCached(edge, '/vod/q/seg.ts');
    const second = await edge.fetch(`/vod/q/seg.ts?token=${b}`);
    await second.arrayBuffer();
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(shield.count('/vod/q/seg.ts')).toBe(1);
    expect(shield.requests.some((r) => r.url.includes('token'))).toBe(false);
  });

  it('accepts a token from the cookie', async () => {
    route('/vod/c/seg.ts');
    const res = await edge.fetch('/vod/c/seg.ts', {
      headers: { cookie: `other=1; edgeshield_token=${await token({ acl: ['/vod/c/'] })}` },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('accepts a token from Authorization: Bearer', async () => {
    route('/vod/h/seg.ts');
    const res = await edge.fetch('/vod/h/seg.ts', {
      headers: { authorization: `Bearer ${await token({ acl: ['/vod/h/'] })}` },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('lets /healthz and CORS preflights through without a token', async () => {
    expect((await edge.fetch('/healthz')).status).toBe(200);
    const pre = await edge.fetch('/vod/m/seg.ts', {
      method: 'OPTIONS',
      headers: { origin: 'https://p.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.status).toBe(204);
  });
});

describe('refusals', () => {
  it('refuses a token for one path on another path with the generic 403 body', async () => {
    route('/vod/other/seg.ts');
    const res = await edge.fetch(`/vod/other/seg.ts?token=${await token({ acl: ['/vod/mine/'] })}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('{"code":"EDGE_ERR_TOKEN_INVALID","message":"access denied"}\n');
    expect(shield.count('/vod/other/seg.ts')).toBe(0);
  });

  it('refuses an expired token with the same body as a bad signature', async () => {
    const expired = await edge.fetch(`/vod/m/seg.ts?token=${await token({ exp: now() - 60 })}`);
    const forged = await edge.fetch(`/vod/m/seg.ts?token=${(await token({})).slice(0, -4)}AAAA`);
    expect(expired.status).toBe(403);
    expect(forged.status).toBe(403);
    expect(await expired.text()).toBe(await forged.text());
  });

  it('refuses alg "none" and an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', kid: 'k1' })}.${b64({ exp: now() + 60 })}.`;
    const secret = Buffer.from(JSON.stringify(key.publicJwk)).toString('base64url');
    const confused = await signJwt(
      crypto.subtle,
      { alg: 'HS256', kid: 'k1', jwk: { kty: 'oct', k: secret } },
      { exp: now() + 60 },
    );
    for (const t of [none, confused]) {
      const res = await edge.fetch(`/vod/m/seg.ts?token=${t}`);
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    }
  });

  it('refuses a token signed by an unknown key and huge garbage without a 500', async () => {
    const stranger = await makeKey('ES256', 'k1');
    const res = await edge.fetch(`/vod/m/seg.ts?token=${await token({}, stranger)}`);
    expect(res.status).toBe(403);
    const garbage = await edge.fetch('/vod/m/seg.ts', {
      headers: { authorization: `Bearer ${'x.'.repeat(6000)}x` },
    });
    expect(garbage.status).toBe(403);
  });

  it('binds a token to the client address (CF-Connecting-IP), IPv6 CIDR included', async () => {
    route('/vod/ip/seg.ts');
    const t = await token({ ip: '2001:db8::/32' });
    const inside = await edge.fetch(`/vod/ip/seg.ts?token=${t}`, {
      headers: { 'cf-connecting-ip': '2001:db8::7' },
    });
    const outside = await edge.fetch(`/vod/ip/seg.ts?token=${t}`, {
      headers: { 'cf-connecting-ip': '2001:db9::7' },
    });
    expect(inside.status).toBe(200);
    expect(outside.status).toBe(403);
    await inside.arrayBuffer();
  });

  it('logs the precise reason without the token', async () => {
    const t = await token({ exp: now() - 120 });
    await (await edge.fetch(`/vod/m/seg.ts?token=${t}`)).arrayBuffer();
    const line = (await logsWith(edge, '"reason":"expired"')).find((m) => m.includes('"reason":"expired"'));
    expect(line).toBeDefined();
    expect(line).not.toContain(t);
  });
});

describe('keys', () => {
  it('requires a token for .key and answers no-store, private even when the shield says public', async () => {
    shield.route('/vod/aes/key.key', {
      body: '0123456789abcdef',
      headers: { 'content-type': 'application/octet-stream', 'cache-control': 'public, max-age=600' },
    });
    expect((await edge.fetch('/vod/aes/key.key')).status).toBe(401);
    const url = await signUrl(crypto.subtle, { jwt: key.signing }, '/vod/aes/key.key', {
      ttlS: 60,
      now: now(),
      in: 'path',
    });
    const res = await edge.fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(res.headers.get('cache-control')).toMatch(/private/);
    expect(await res.text()).toBe('0123456789abcdef');
    const again = await edge.fetch(url);
    await again.arrayBuffer();
    expect(shield.count('/vod/aes/key.key')).toBe(2);
  });
});

describe('configuration', () => {
  it('fails closed: AUTH_MODE=required with no key answers 500 EDGE_ERR_CONFIG', async () => {
    const bad = await startEdgeWorker({ SHIELD_URLS: shield.url });
    try {
      const res = await bad.fetch('/vod/m/seg.ts');
      expect(res.status).toBe(500);
      expect(await codeOf(res)).toBe('EDGE_ERR_CONFIG');
    } finally {
      await bad.dispose();
    }
  });
});
