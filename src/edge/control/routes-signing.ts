/**
 * Operator API: tenant signing keys and rotation (issue 15).
 *
 * A tenant's first key is active (it signs); a second is `next`: published and accepted at the edge
 * before it signs anything, so every isolate knows it when rotation makes it active. Rotation turns
 * next → active and active → retired in one batch; retired keys still verify until deleted (delete
 * them once the longest token they signed has expired: ACCESS_MAX_TTL_S). Private JWKs never leave
 * the store through the API.
 */
import type { Hono } from 'hono';
import type { ControlDeps, ControlHonoEnv } from './context.ts';
import {
  audited,
  authorize,
  badRequest,
  conflict,
  jsonBody,
  notFound,
  nowS,
  randomHex,
  requireTenant,
  tenantParam,
} from './context.ts';
import { sealJwk } from './key-vault.ts';
import { generateTenantKey, TENANT_KEY_ALGS, type TenantKeyAlg } from './tenant-jwt.ts';

interface KeyRow {
  readonly kid: string;
  readonly alg: string;
  readonly public_jwk: string;
  readonly state: string;
  readonly created_at: number;
  readonly retired_at: number | null;
}

const view = (r: KeyRow) => ({ ...r, public_jwk: JSON.parse(r.public_jwk) as unknown });

/** Registers /tenants/:tenant/signing-keys[/rotate|/:kid] and /tenants/:tenant/jwks.json. */
export function signingKeyRoutes(api: Hono<ControlHonoEnv>, deps: ControlDeps): void {
  const { db } = deps;
  const keysOf = async (tenant: string) =>
    (
      await db
        .prepare(
          'SELECT kid, alg, public_jwk, state, created_at, retired_at FROM signing_keys WHERE tenant_id = ? ORDER BY created_at, rowid',
        )
        .bind(tenant)
        .all<KeyRow>()
    ).results;

  api.get('/tenants/:tenant/signing-keys', async (c) => {
    const tenant = tenantParam(c);
    authorize(c, 'config:read', tenant);
    return c.json({ keys: (await keysOf(tenant)).map(view) });
  });

  // The public keys as a JWKS (RFC 7517 §5), for verifiers outside this edge.
  api.get('/tenants/:tenant/jwks.json', async (c) => {
    const tenant = tenantParam(c);
    authorize(c, 'config:read', tenant);
    return c.json({ keys: (await keysOf(tenant)).map((r) => JSON.parse(r.public_jwk) as unknown) });
  });

  api.post('/tenants/:tenant/signing-keys', async (c) => {
    const tenant = tenantParam(c);
    const caller = authorize(c, 'signing-keys:write', tenant);
    await requireTenant(deps, tenant);
    const body = await jsonBody(c);
    const alg = body.alg ?? 'ES256';
    if (!(TENANT_KEY_ALGS as readonly unknown[]).includes(alg))
      throw badRequest([`alg: expected one of ${TENANT_KEY_ALGS.join(', ')}`]);
    const keys = await keysOf(tenant);
    if (keys.some((k) => k.state === 'next')) throw conflict('a next key exists: rotate or delete it first');
    const state = keys.some((k) => k.state === 'active') ? 'next' : 'active';
    const kid = `${tenant}-${randomHex(6)}`;
    const pair = await generateTenantKey(alg as TenantKeyAlg, kid);
    const at = nowS(deps);
    await audited(
      deps,
      caller,
      { action: 'signing-key.create', tenant, resource: `signing-keys/${kid}`, detail: { alg, state } },
      [
        db
          .prepare(
            'INSERT INTO signing_keys (kid, tenant_id, alg, public_jwk, private_jwk, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .bind(
            kid,
            tenant,
            alg,
            JSON.stringify(pair.publicJwk),
            await sealJwk(deps.config.keySecret, pair.privateJwk),
            state,
            at,
          ),
      ],
    );
    return c.json({ kid, alg, state, public_jwk: pair.publicJwk, created_at: at }, 201);
  });

  api.post('/tenants/:tenant/signing-keys/rotate', async (c) => {
    const tenant = tenantParam(c);
    const caller = authorize(c, 'signing-keys:write', tenant);
    const keys = await keysOf(tenant);
    const next = keys.find((k) => k.state === 'next');
    if (!next) throw conflict('no next key to rotate to: create one first');
    const at = nowS(deps);
    // Isolates learn keys from a copy up to CONTROL_CACHE_TTL_S old: tokens signed with a key none of
    // them knows yet would be refused, so a key mints only once every copy can hold it.
    const waitS = next.created_at + deps.config.cacheTtlS - at;
    if (waitS > 0)
      throw conflict(`next key ${next.kid} is younger than CONTROL_CACHE_TTL_S: rotate in ${waitS} s`);
    const active = keys.find((k) => k.state === 'active');
    await audited(
      deps,
      caller,
      {
        action: 'signing-key.rotate',
        tenant,
        resource: `signing-keys/${next.kid}`,
        detail: { retired: active?.kid ?? null },
      },
      [
        db
          .prepare(
            "UPDATE signing_keys SET state = 'retired', retired_at = ? WHERE tenant_id = ? AND state = 'active'",
          )
          .bind(at, tenant),
        db
          .prepare("UPDATE signing_keys SET state = 'active' WHERE kid = ? AND state = 'next'")
          .bind(next.kid),
      ],
    );
    return c.json({ active: next.kid, retired: active?.kid ?? null });
  });

  api.delete('/tenants/:tenant/signing-keys/:kid', async (c) => {
    const tenant = tenantParam(c);
    const caller = authorize(c, 'signing-keys:write', tenant);
    const kid = c.req.param('kid');
    const key = (await keysOf(tenant)).find((k) => k.kid === kid);
    if (!key) throw notFound(`signing key ${kid}`);
    // The active key is what mint signs with; removing it would stop every player backend.
    if (key.state === 'active') throw conflict('the active key cannot be deleted: rotate first');
    await audited(deps, caller, { action: 'signing-key.delete', tenant, resource: `signing-keys/${kid}` }, [
      db.prepare('DELETE FROM signing_keys WHERE kid = ?').bind(kid),
    ]);
    return c.body(null, 204);
  });
}
