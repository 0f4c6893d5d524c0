/**
 * Runtime config from the control store at the edge (issue 15), in workerd with a real D1: tokens
 * minted by the API play, revocations, key rotations and geo rules changed through the API take
 * effect within the staleness bound without a redeploy, and wrangler.toml config keeps working.
 * CONTROL_CACHE_TTL_S=1 keeps the bound short; each change is polled for (deadline far above it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { jwksText, makeKey } from '../unit/auth/test-keys.ts';
import { ADMIN_KEY, type ControlStack, seedTenant, startControlStack } from './control-api.ts';
import { logsWith } from './edge-worker.ts';

const BOUND_S = 1;
let stack: ControlStack;
let key: string;

function segment(path: string): void {
  stack.shield.route(path, {
    body: 'segment',
    headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=31536000, immutable' },
  });
}

async function mint(body: Record<string, unknown>): Promise<string> {
  const res = await stack.call('POST', '/tokens', key, { ttl: 600, ...body });
  if (res.status !== 201) throw new Error(`mint: ${res.status} ${JSON.stringify(res.body)}`);
  const url = new URL(res.body.url);
  return `${url.pathname}${url.search}`;
}

async function statusOf(path: string, country = 'DE'): Promise<number> {
  const res = await stack.edge.fetch(path, { cf: { country } });
  await res.arrayBuffer();
  return res.status;
}

/** Polls until `path` answers `status`; the deadline is 10× the bound, so a pass means "within it". */
async function eventually(path: string, status: number, country = 'DE'): Promise<void> {
  const deadline = Date.now() + BOUND_S * 10_000;
  let last = 0;
  while (Date.now() < deadline) {
    last = await statusOf(path, country);
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} still answers ${last}, not ${status}`);
}

beforeAll(async () => {
  stack = await startControlStack({ CONTROL_CACHE_TTL_S: String(BOUND_S) });
  key = await seedTenant(stack, 'acme', '/acme/');
});

afterAll(async () => {
  await stack?.close();
});

describe('tokens minted by the API at the edge', () => {
  it('plays a minted URL, then refuses it once its session is revoked', async () => {
    segment('/acme/live/seg_1.ts');
    const revoked = await mint({ path: '/acme/live/seg_1.ts', sid: 'session-1' });
    const other = await mint({ path: '/acme/live/seg_1.ts', sid: 'session-2' });
    await eventually(revoked, 200);
    const res = await stack.call('POST', '/revocations', key, { sid: 'session-1' });
    expect(res.status).toBe(201);
    await eventually(revoked, 403);
    const refused = await stack.edge.fetch(revoked);
    expect(((await refused.json()) as { code: string }).code).toBe('EDGE_ERR_TOKEN_INVALID');
    expect(
      (await logsWith(stack.edge, '"reason":"revoked"')).some((m) => m.includes('"reason":"revoked"')),
    ).toBe(true);
    expect(await statusOf(other)).toBe(200);
  });

  it('refuses a revocation value with a control character, which could match tokens without the claim', async () => {
    for (const value of ['\n', 'a\u0000b', 'x\u007f']) {
      const res = await stack.call('POST', '/revocations', key, { sub: value });
      expect(res.status).toBe(400);
      expect(res.body.code).toMatch(/^EDGE_ERR_/);
    }
    segment('/acme/nosub/seg_1.ts');
    await eventually(await mint({ path: '/acme/nosub/seg_1.ts' }), 200);
  });

  it('accepts tokens of the old and the new key together across a rotation', async () => {
    segment('/acme/rot/seg_1.ts');
    const old = await mint({ path: '/acme/rot/seg_1.ts' });
    await eventually(old, 200);
    expect((await stack.call('POST', '/tenants/acme/signing-keys', key, {})).status).toBe(201);
    expect((await stack.rotateWhenAllowed('acme')).status).toBe(200);
    const fresh = await mint({ path: '/acme/rot/seg_1.ts' });
    await eventually(fresh, 200);
    expect(await statusOf(old)).toBe(200);
  });

  it('refuses an access token for content and exchanges it for a session token that plays', async () => {
    segment('/acme/vod/seg_1.ts');
    const minted = await stack.call('POST', '/tokens', key, {
      path: '/acme/vod/seg_1.ts',
      ttl: 86_400,
      use: 'access',
      sub: 'viewer-9',
    });
    const access = minted.body.token as string;
    expect(await statusOf(new URL(minted.body.url).pathname + new URL(minted.body.url).search)).toBe(403);
    const res = await stack.edge.fetch('/api/v1/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/acme/vod/seg_1.ts', ttl: 60 }),
    });
    expect(res.status).toBe(201);
    const session = (await res.json()) as { url: string; sid: string; exp: number };
    expect(session.sid).toMatch(/^[0-9a-f]{32}$/);
    const url = new URL(session.url);
    await eventually(`${url.pathname}${url.search}`, 200);
    // Revoking the viewer stops the session token at the edge and further exchanges.
    await stack.call('POST', '/revocations', key, { sub: 'viewer-9' });
    await eventually(`${url.pathname}${url.search}`, 403);
    const again = await stack.edge.fetch('/api/v1/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${access}` },
    });
    expect(again.status).toBe(401);
  });

  function exchange(access: string) {
    return stack.edge.fetch('/api/v1/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/acme/acc/seg_1.ts', ttl: 60 }),
    });
  }

  async function mintAccess(body: Record<string, unknown> = {}): Promise<{ token: string; jti: string }> {
    const minted = await stack.call('POST', '/tokens', key, {
      path: '/acme/acc/seg_1.ts',
      ttl: 86_400,
      use: 'access',
      ...body,
    });
    return { token: minted.body.token as string, jti: minted.body.jti as string };
  }

  it("revoking an access token's jti stops the session tokens exchanged from it, and further exchanges", async () => {
    segment('/acme/acc/seg_1.ts');
    const access = await mintAccess();
    const other = await mintAccess();
    const sessionOf = async (token: string) => {
      const res = await exchange(token);
      expect(res.status).toBe(201);
      const url = new URL(((await res.json()) as { url: string }).url);
      return `${url.pathname}${url.search}`;
    };
    const session = await sessionOf(access.token);
    const kept = await sessionOf(other.token);
    await eventually(session, 200);
    expect((await stack.call('POST', '/revocations', key, { jti: access.jti })).status).toBe(201);
    await eventually(session, 403);
    expect(await statusOf(kept)).toBe(200);
    expect((await exchange(access.token)).status).toBe(401);
  });

  it('refuses to exchange an access token whose sid is revoked', async () => {
    const access = await mintAccess({ sid: 'access-sid-1' });
    const before = await exchange(access.token);
    await before.arrayBuffer();
    expect(before.status).toBe(201);
    expect((await stack.call('POST', '/revocations', key, { sid: 'access-sid-1' })).status).toBe(201);
    const after = await exchange(access.token);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { code: string }).code).toBe('EDGE_ERR_API_UNAUTHORIZED');
  });
});

describe('tenant isolation at the edge', () => {
  it("never opens another tenant's path with a tenant key, whatever the token's acl says", async () => {
    await seedTenant(stack, 'beta', '/beta/');
    segment('/beta/x/seg_1.ts');
    segment('/acme/x/seg_1.ts');
    // A tenant that signs its own tokens (with the key the API holds) could write any acl.
    const db = await stack.edge.mf.getD1Database('CONTROL');
    const row = await db
      .prepare("SELECT kid, private_jwk FROM signing_keys WHERE tenant_id = 'acme' AND state = 'active'")
      .first<{ kid: string; private_jwk: string }>();
    if (!row) throw new Error('no active acme key');
    const token = await signJwt(
      crypto.subtle,
      { alg: 'ES256', kid: row.kid, jwk: JSON.parse(row.private_jwk) },
      { exp: Math.floor(Date.now() / 1000) + 600, acl: ['/'] },
    );
    await eventually(`/acme/x/seg_1.ts?token=${token}`, 200);
    expect(await statusOf(`/beta/x/seg_1.ts?token=${token}`)).toBe(403);
    expect(stack.shield.count('/beta/x/seg_1.ts')).toBe(0);
  });
});

describe('tenant rules at runtime', () => {
  it('applies a geo rule changed through the API within the bound, without a redeploy', async () => {
    segment('/acme/geo/seg_1.ts');
    const path = await mint({ path: '/acme/geo/seg_1.ts' });
    await eventually(path, 200, 'FR');
    const put = await stack.call('PUT', '/tenants/acme/geo-rules', ADMIN_KEY, {
      prefix: '/acme/geo/',
      rules: [{ prefix: '/acme/geo/', deny: { countries: ['FR'] } }],
    });
    expect(put.status).toBe(200);
    await eventually(path, 403, 'FR');
    expect(await statusOf(path, 'DE')).toBe(200);
    await stack.call('DELETE', '/tenants/acme/geo-rules?prefix=/acme/geo/', ADMIN_KEY);
    await eventually(path, 200, 'FR');
  });
});

describe('wrangler.toml config beside the store', () => {
  let plain: ControlStack;
  let staticKey: Awaited<ReturnType<typeof makeKey>>;
  beforeAll(async () => {
    staticKey = await makeKey('ES256', 'static-1');
    plain = await startControlStack({
      CONTROL_CACHE_TTL_S: String(BOUND_S),
      AUTH_JWKS: jwksText(staticKey),
      GEO_RULES: JSON.stringify([{ prefix: '/vod/', deny: { countries: ['FR'] } }]),
    });
  });
  afterAll(async () => {
    await plain?.close();
  });

  it('plays tokens of the configured keys and applies configured geo rules while no tenant exists', async () => {
    plain.shield.route('/vod/a/seg_1.ts', { body: 'segment', headers: { 'content-type': 'video/mp2t' } });
    const token = await signJwt(crypto.subtle, staticKey.signing, {
      exp: Math.floor(Date.now() / 1000) + 600,
      acl: ['/vod/'],
    });
    const de = await plain.edge.fetch(`/vod/a/seg_1.ts?token=${token}`, { cf: { country: 'DE' } });
    expect(de.status).toBe(200);
    const fr = await plain.edge.fetch(`/vod/a/seg_1.ts?token=${token}`, { cf: { country: 'FR' } });
    expect(fr.status).toBe(403);
    expect(((await fr.json()) as { code: string }).code).toBe('EDGE_ERR_GEO_BLOCKED');
  });

  it("refuses a configured key's token once an operator revokes its sub for every tenant", async () => {
    plain.shield.route('/vod/b/seg_1.ts', { body: 'segment', headers: { 'content-type': 'video/mp2t' } });
    const urlFor = async (sub: string) => {
      const exp = Math.floor(Date.now() / 1000) + 600;
      return `/vod/b/seg_1.ts?token=${await signJwt(crypto.subtle, staticKey.signing, { exp, acl: ['/vod/'], sub })}`;
    };
    const revoked = await urlFor('viewer-revoked');
    const kept = await urlFor('viewer-kept');
    const status = async (path: string) => {
      const res = await plain.edge.fetch(path, { cf: { country: 'DE' } });
      await res.arrayBuffer();
      return res.status;
    };
    expect(await status(revoked)).toBe(200);
    const res = await plain.call('POST', '/revocations', ADMIN_KEY, { sub: 'viewer-revoked' });
    expect(res.status).toBe(201);
    // Within the bound (polled, deadline 10× it).
    const deadline = Date.now() + BOUND_S * 10_000;
    while ((await status(revoked)) !== 403 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await status(revoked)).toBe(403);
    expect(await status(kept)).toBe(200);
  });
});
