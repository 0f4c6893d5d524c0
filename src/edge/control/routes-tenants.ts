/**
 * Operator API: tenants, their API keys and the path prefixes they own (issue 15). Every change is
 * one D1 batch with its audit row (context.ts `audited`). Must not return a key's secret except once,
 * in the response that created it.
 */
import type { Hono } from 'hono';
import { formatApiKey } from '../../core/control/api-key.ts';
import { grantable } from '../../core/control/scopes.ts';
import { conflictingPrefix, isValidPrefix, type OwnedPrefix } from '../../core/control/tenancy.ts';
import { secretDigestHex } from './api-auth.ts';
import type { ControlContext, ControlDeps, ControlHonoEnv } from './context.ts';
import {
  audited,
  authorize,
  badRequest,
  conflict,
  deleteByPrefix,
  isTenantId,
  jsonBody,
  notFound,
  nowS,
  requireTenant,
  tenantParam,
} from './context.ts';

/** Registers /tenants, /tenants/:tenant, /tenants/:tenant/api-keys, /tenants/:tenant/prefixes, /api-keys. */
export function tenantRoutes(api: Hono<ControlHonoEnv>, deps: ControlDeps): void {
  const { db } = deps;

  api.post('/tenants', async (c) => {
    const caller = authorize(c, 'tenants:write', undefined);
    const body = await jsonBody(c);
    const issues: string[] = [];
    if (!isTenantId(body.id))
      issues.push('id: expected [a-z0-9-], 1-63 characters, starting with a letter or digit');
    if (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 200)
      issues.push('name: expected 1-200 characters');
    if (issues.length > 0) throw badRequest(issues);
    const tenant = { id: body.id as string, name: (body.name as string).trim(), created_at: nowS(deps) };
    if (await db.prepare('SELECT id FROM tenants WHERE id = ?').bind(tenant.id).first())
      throw conflict(`tenant ${tenant.id} exists`);
    await audited(
      deps,
      caller,
      {
        action: 'tenant.create',
        tenant: tenant.id,
        resource: `tenants/${tenant.id}`,
        detail: { name: tenant.name },
      },
      [
        db
          .prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)')
          .bind(tenant.id, tenant.name, tenant.created_at),
      ],
    );
    return c.json(tenant, 201);
  });

  api.get('/tenants', async (c) => {
    const caller = c.var.caller;
    authorize(c, 'tenants:read', caller.tenant);
    const rows =
      caller.tenant === undefined
        ? await db.prepare('SELECT id, name, created_at FROM tenants ORDER BY id').all()
        : await db.prepare('SELECT id, name, created_at FROM tenants WHERE id = ?').bind(caller.tenant).all();
    return c.json({ tenants: rows.results });
  });

  api.get('/tenants/:tenant', async (c) => {
    const id = tenantParam(c);
    authorize(c, 'tenants:read', id);
    const row = await db.prepare('SELECT id, name, created_at FROM tenants WHERE id = ?').bind(id).first();
    if (!row) throw notFound(`tenant ${id}`);
    return c.json(row);
  });

  api.delete('/tenants/:tenant', async (c) => {
    const id = tenantParam(c);
    const caller = authorize(c, 'tenants:write', undefined);
    await requireTenant(deps, id);
    // Keys, prefixes, rules, policies and prices go with it (ON DELETE CASCADE); revocations too.
    await audited(deps, caller, { action: 'tenant.delete', tenant: id, resource: `tenants/${id}` }, [
      db.prepare('DELETE FROM revocations WHERE tenant_id = ?').bind(id),
      db.prepare('DELETE FROM tenants WHERE id = ?').bind(id),
    ]);
    return c.body(null, 204);
  });

  const createKey = async (c: ControlContext, tenant: string | undefined) => {
    const caller = authorize(c, 'keys:write', tenant);
    if (tenant !== undefined) await requireTenant(deps, tenant);
    const body = await jsonBody(c);
    const scopes = grantable(body.scopes, caller);
    if (!scopes.ok) throw badRequest([scopes.issue]);
    const label = body.label ?? '';
    if (typeof label !== 'string' || label.length > 200)
      throw badRequest(['label: expected at most 200 characters']);
    const key = formatApiKey(
      crypto.getRandomValues(new Uint8Array(6)),
      crypto.getRandomValues(new Uint8Array(32)),
    );
    const row = { id: key.id, tenant: tenant ?? null, scopes: scopes.value, label, created_at: nowS(deps) };
    await audited(
      deps,
      caller,
      {
        action: 'api-key.create',
        tenant,
        resource: `api-keys/${key.id}`,
        detail: { scopes: scopes.value, label },
      },
      [
        db
          .prepare(
            'INSERT INTO api_keys (id, tenant_id, secret_sha256, scopes, label, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .bind(
            key.id,
            row.tenant,
            await secretDigestHex(key.secret),
            JSON.stringify(scopes.value),
            label,
            row.created_at,
          ),
      ],
    );
    // The only time the secret leaves the Worker: it is stored as a digest.
    return c.json({ ...row, key: key.key }, 201);
  };
  api.post('/api-keys', (c) => createKey(c, undefined));
  api.post('/tenants/:tenant/api-keys', (c) => createKey(c, tenantParam(c)));

  api.get('/tenants/:tenant/api-keys', async (c) => {
    const id = tenantParam(c);
    authorize(c, 'keys:write', id);
    const rows = await db
      .prepare(
        'SELECT id, scopes, label, created_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at, rowid',
      )
      .bind(id)
      .all<{ scopes: string }>();
    return c.json({ keys: rows.results.map((r) => ({ ...r, scopes: JSON.parse(r.scopes) })) });
  });

  api.delete('/api-keys/:id', async (c) => {
    const keyId = c.req.param('id');
    const row = await db
      .prepare('SELECT tenant_id FROM api_keys WHERE id = ?')
      .bind(keyId)
      .first<{ tenant_id: string | null }>();
    if (!row) throw notFound(`api key ${keyId}`);
    const tenant = row.tenant_id ?? undefined;
    const caller = authorize(c, 'keys:write', tenant);
    await audited(deps, caller, { action: 'api-key.revoke', tenant, resource: `api-keys/${keyId}` }, [
      db
        .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .bind(nowS(deps), keyId),
    ]);
    return c.body(null, 204);
  });

  api.get('/tenants/:tenant/prefixes', async (c) => {
    const id = tenantParam(c);
    authorize(c, 'config:read', id);
    const rows = await db
      .prepare('SELECT prefix, created_at FROM prefixes WHERE tenant_id = ? ORDER BY prefix')
      .bind(id)
      .all();
    return c.json({ prefixes: rows.results });
  });

  api.post('/tenants/:tenant/prefixes', async (c) => {
    const id = tenantParam(c);
    const caller = authorize(c, 'config:write', id);
    await requireTenant(deps, id);
    const { prefix } = await jsonBody(c);
    if (!isValidPrefix(prefix))
      throw badRequest(['prefix: expected a path like /channel/ (segments, leading and trailing /)']);
    const all = await db.prepare('SELECT prefix, tenant_id AS tenant FROM prefixes').all<OwnedPrefix>();
    const clash = conflictingPrefix(all.results, prefix, id);
    if (clash) throw conflict(`prefix ${prefix} nests with ${clash.prefix} of another tenant`);
    if (all.results.some((p) => p.prefix === prefix)) throw conflict(`prefix ${prefix} exists`);
    await audited(deps, caller, { action: 'prefix.add', tenant: id, resource: `prefixes${prefix}` }, [
      db
        .prepare('INSERT INTO prefixes (prefix, tenant_id, created_at) VALUES (?, ?, ?)')
        .bind(prefix, id, nowS(deps)),
    ]);
    return c.json({ prefix, tenant: id }, 201);
  });

  deleteByPrefix(api, deps, 'prefixes', 'prefixes');
}
