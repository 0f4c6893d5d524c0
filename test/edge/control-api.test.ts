/**
 * The operator API (issue 15) on the real Worker in workerd with a real D1 store: bearer keys and
 * scopes, tenant isolation, validation with the edge's parsers, the audit log, the rate limit, and a
 * minted token that the edge's verifier accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type ControlStack, seedTenant, startControlStack } from './control-api.ts';
import { startEdgeWorker } from './edge-worker.ts';

let stack: ControlStack;
let tenantKey: string;

beforeAll(async () => {
  stack = await startControlStack({ CONTROL_CACHE_TTL_S: '1' });
  tenantKey = await seedTenant(stack, 'acme', '/acme/', ['tokens:mint', 'config:read']);
});

afterAll(async () => {
  await stack?.close();
});

describe('API keys and scopes', () => {
  it('answers 401 EDGE_ERR_API_UNAUTHORIZED with a Bearer challenge when no key is sent', async () => {
    const res = await stack.call('GET', '/tenants');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('EDGE_ERR_API_UNAUTHORIZED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses a wrong admin key and a well-formed but unknown API key', async () => {
    expect((await stack.call('GET', '/tenants', `${ADMIN_KEY}x`)).status).toBe(401);
    const forged = `esk_${tenantKey.slice(4, 16)}_${'A'.repeat(43)}`;
    expect((await stack.call('GET', '/tenants', forged)).status).toBe(401);
  });

  it('answers 403 EDGE_ERR_API_FORBIDDEN for a scope the key does not hold', async () => {
    const res = await stack.call('POST', '/tenants', tenantKey, { id: 'evil', name: 'Evil' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('EDGE_ERR_API_FORBIDDEN');
  });

  it('keeps a tenant key inside its tenant', async () => {
    await stack.call('POST', '/tenants', ADMIN_KEY, { id: 'other', name: 'Other' });
    const res = await stack.call('GET', '/tenants/other/prefixes', tenantKey);
    expect(res.status).toBe(403);
    const mine = await stack.call('GET', '/tenants/acme/prefixes', tenantKey);
    expect(mine.body.prefixes.map((p: { prefix: string }) => p.prefix)).toEqual(['/acme/']);
  });

  it('never lets a key hand out a scope it does not hold', async () => {
    const res = await stack.call('POST', '/tenants/acme/api-keys', ADMIN_KEY, { scopes: ['bogus'] });
    expect(res.status).toBe(400);
    expect(res.body.issues[0]).toMatch(/^scopes\[0\]/);
  });

  it('stops a revoked API key', async () => {
    const created = await stack.call('POST', '/tenants/acme/api-keys', ADMIN_KEY, {
      scopes: ['config:read'],
    });
    expect((await stack.call('GET', '/tenants/acme/prefixes', created.body.key)).status).toBe(200);
    expect((await stack.call('DELETE', `/api-keys/${created.body.id}`, ADMIN_KEY)).status).toBe(204);
    expect((await stack.call('GET', '/tenants/acme/prefixes', created.body.key)).status).toBe(401);
  });

  it('stores only a digest of the key secret', async () => {
    const db = await stack.edge.mf.getD1Database('CONTROL');
    const rows = await db.prepare('SELECT secret_sha256 FROM api_keys').all<{ secret_sha256: string }>();
    const secret = tenantKey.slice(17);
    expect(
      rows.results.every((r) => /^[0-9a-f]{64}$/.test(r.secret_sha256) && r.secret_sha256 !== secret),
    ).toBe(true);
  });
});

describe('changes', () => {
  it('writes an audit row per change: who, what, when', async () => {
    const res = await stack.call('GET', '/audit?tenant=acme', ADMIN_KEY);
    const actions = res.body.audit.map((a: { action: string }) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(['tenant.create', 'prefix.add', 'signing-key.create', 'api-key.create']),
    );
    expect(res.body.audit[0]).toMatchObject({ actor: 'admin', tenant_id: 'acme' });
    expect(res.body.audit[0].ts).toBeGreaterThan(1_700_000_000);
  });

  it('validates geo rules with the GEO_RULES parser and keeps them inside the tenant prefix', async () => {
    const bad = await stack.call('PUT', '/tenants/acme/geo-rules', ADMIN_KEY, {
      prefix: '/acme/',
      rules: [{ prefix: '/acme/', deny: { countries: ['UK'] } }, { prefix: '/elsewhere/' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('EDGE_ERR_API_BAD_REQUEST');
    expect(bad.body.issues).toEqual([
      'rules[0].deny.countries[0]: expected ISO 3166-1 alpha-2, got "UK"',
      'rules[1].prefix: expected a path under /acme/',
    ]);
    const good = await stack.call('PUT', '/tenants/acme/geo-rules', ADMIN_KEY, {
      prefix: '/acme/',
      rules: [{ prefix: '/acme/', deny: { countries: ['FR'] } }],
    });
    expect(good.status).toBe(200);
  });

  it('validates manifest policies with the MANIFEST_POLICIES parser', async () => {
    const bad = await stack.call('PUT', '/tenants/acme/manifest-policies', ADMIN_KEY, {
      prefix: '/acme/',
      policies: { countries: { IN: { maxHeight: -1 } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0]).toMatch(/^policies\.countries\.IN\.maxHeight: expected a positive integer/);
  });

  it('refuses a prefix that nests inside another tenant', async () => {
    const res = await stack.call('POST', '/tenants/other/prefixes', ADMIN_KEY, { prefix: '/acme/live/' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('EDGE_ERR_API_CONFLICT');
  });

  it('rotates: next becomes active, active becomes retired', async () => {
    const before = await stack.call('GET', '/tenants/acme/signing-keys', ADMIN_KEY);
    const next = await stack.call('POST', '/tenants/acme/signing-keys', ADMIN_KEY, {});
    expect(next.body.state).toBe('next');
    // Refused while isolates may not know the next key yet (CONTROL_CACHE_TTL_S = 1 here).
    const early = await stack.call('POST', '/tenants/acme/signing-keys/rotate', ADMIN_KEY);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('EDGE_ERR_API_CONFLICT');
    const rotated = await stack.rotateWhenAllowed('acme');
    expect(rotated.body).toEqual({ active: next.body.kid, retired: before.body.keys[0].kid });
    const after = await stack.call('GET', '/tenants/acme/signing-keys', ADMIN_KEY);
    const states = Object.fromEntries(
      after.body.keys.map((k: { kid: string; state: string }) => [k.kid, k.state]),
    );
    expect(states).toEqual({ [before.body.keys[0].kid]: 'retired', [next.body.kid]: 'active' });
    expect(JSON.stringify(after.body)).not.toContain('"d"');
  });
});

describe('POST /api/v1/tokens', () => {
  it('mints a signed URL for a path of the tenant, and refuses one outside it', async () => {
    const minted = await stack.call('POST', '/tokens', tenantKey, {
      path: '/acme/vod/seg.ts',
      ttl: 600,
      sub: 'viewer-1',
    });
    expect(minted.status).toBe(201);
    expect(minted.body.url).toMatch(/^http:\/\/edge\.test\/acme\/vod\/seg\.ts\?token=/);
    expect(minted.body.jti).toMatch(/^[0-9a-f]{32}$/);
    const outside = await stack.call('POST', '/tokens', tenantKey, { path: '/other/seg.ts', ttl: 600 });
    expect(outside.status).toBe(400);
  });

  it('mints a token that an edge holding the tenant JWKS accepts', async () => {
    const jwks = await stack.call('GET', '/tenants/acme/jwks.json', tenantKey);
    stack.shield.route('/acme/vod/seg.ts', { body: 'segment', headers: { 'content-type': 'video/mp2t' } });
    const verifier = await startEdgeWorker({
      SHIELD_URLS: stack.shield.url,
      AUTH_JWKS: JSON.stringify(jwks.body),
    });
    try {
      const minted = await stack.call('POST', '/tokens', tenantKey, { path: '/acme/vod/seg.ts', ttl: 600 });
      const url = new URL(minted.body.url);
      const res = await verifier.fetch(`${url.pathname}${url.search}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('segment');
    } finally {
      await verifier.dispose();
    }
  });
});

describe('without a CONTROL binding or over the rate', () => {
  it('answers 503 EDGE_ERR_API_UNAVAILABLE when the Worker has no store', async () => {
    const bare = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: stack.shield.url });
    try {
      const res = await bare.fetch('/api/v1/tenants');
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe('EDGE_ERR_API_UNAVAILABLE');
    } finally {
      await bare.dispose();
    }
  });

  /** A fresh Worker whose keys get 3 requests per minute. */
  async function withRateLimit(run: (limited: ControlStack) => Promise<void>): Promise<void> {
    const limited = await startControlStack({ API_RATE_PER_MINUTE: '3' });
    try {
      await run(limited);
    } finally {
      await limited.close();
    }
  }

  it('answers 429 EDGE_ERR_API_RATE_LIMITED with Retry-After once a key exceeds its rate', () =>
    withRateLimit(async (limited) => {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<ControlStack['call']>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await limited.call('GET', '/tenants', ADMIN_KEY);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last?.body.code).toBe('EDGE_ERR_API_RATE_LIMITED');
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    }));

  it('keeps unrecognised keys in their own bucket, so they cannot lock out the admin key', () =>
    withRateLimit(async (limited) => {
      const garbage: number[] = [];
      for (let i = 0; i < 4; i++) garbage.push((await limited.call('GET', '/tenants', `guess-${i}`)).status);
      expect(garbage).toEqual([401, 401, 401, 429]);
      expect((await limited.call('GET', '/tenants', ADMIN_KEY)).status).toBe(200);
    }));

  it('stops a client guessing well-formed key ids before the store is asked, other clients unaffected', () =>
    withRateLimit(async (limited) => {
      const guess = async (i: number, ip: string) => {
        const res = await limited.edge.fetch('/api/v1/tenants', {
          headers: {
            authorization: `Bearer esk_${i.toString(16).padStart(12, '0')}_${'A'.repeat(43)}`,
            'cf-connecting-ip': ip,
          },
        });
        return { status: res.status, code: ((await res.json()) as { code: string }).code };
      };
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await guess(i, '198.51.100.7')).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
      expect((await guess(99, '198.51.100.7')).code).toBe('EDGE_ERR_API_RATE_LIMITED');
      expect((await guess(100, '203.0.113.9')).status).toBe(401);
      expect((await limited.call('GET', '/tenants', ADMIN_KEY)).status).toBe(200);
    }));
});

describe('private signing keys at rest', () => {
  it('seals them with CONTROL_KEY_SECRET, and still mints tokens the edge accepts', async () => {
    const sealed = await startControlStack({ CONTROL_KEY_SECRET: 'k'.repeat(40) });
    try {
      const key = await seedTenant(sealed, 'acme', '/acme/');
      const db = await sealed.edge.mf.getD1Database('CONTROL');
      const row = await db.prepare('SELECT private_jwk FROM signing_keys').first<{ private_jwk: string }>();
      expect(JSON.parse(row?.private_jwk ?? '{}')).toMatchObject({ enc: 'A256GCM' });
      expect(row?.private_jwk).not.toContain('"d"');
      sealed.shield.route('/acme/a/seg.ts', { body: 'segment', headers: { 'content-type': 'video/mp2t' } });
      const minted = await sealed.call('POST', '/tokens', key, { path: '/acme/a/seg.ts', ttl: 60 });
      expect(minted.status).toBe(201);
      const url = new URL(minted.body.url);
      expect((await sealed.edge.fetch(`${url.pathname}${url.search}`)).status).toBe(200);
    } finally {
      await sealed.close();
    }
  });
});
