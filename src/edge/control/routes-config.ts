/**
 * Operator API: per-tenant geo rules and manifest policies (per path prefix) and the tenant's price
 * table (issue 15). Bodies use exactly the wrangler.toml formats (GEO_RULES, MANIFEST_POLICIES, a
 * `--prices` table) and are validated by the same parsers, so a rule moves between a var and the
 * store unchanged. Rules and policies apply only inside the tenant's own prefixes.
 */
import type { Hono } from 'hono';
import { insideOwned, isValidPrefix } from '../../core/control/tenancy.ts';
import { parseGeoRules } from '../../core/geo/parse.ts';
import { formatPriceTableIssue, validatePriceTable } from '../../core/ledger/price-table.ts';
import { type ManifestConfigIssue, parseManifestConfig } from '../config-manifest.ts';
import type { ControlContext, ControlDeps, ControlHonoEnv } from './context.ts';
import {
  audited,
  authorize,
  badRequest,
  deleteByPrefix,
  jsonBody,
  notFound,
  nowS,
  requireTenant,
  tenantParam,
} from './context.ts';

/** The tenant's prefixes; 400 unless `prefix` is one of them or inside one. */
async function ownedPrefix(deps: ControlDeps, tenant: string, prefix: unknown): Promise<string> {
  if (!isValidPrefix(prefix)) throw badRequest(['prefix: expected a path like /channel/']);
  const rows = await deps.db
    .prepare('SELECT prefix FROM prefixes WHERE tenant_id = ?')
    .bind(tenant)
    .all<{ prefix: string }>();
  if (
    !insideOwned(
      rows.results.map((r) => r.prefix),
      prefix,
    )
  )
    throw badRequest([`prefix: ${prefix} is not under a prefix of tenant ${tenant}`]);
  return prefix;
}

/** Geo rules (GEO_RULES format) for `prefix`: each rule's own prefix must lie inside it. */
export function geoRuleIssues(rules: unknown, prefix: string): string[] {
  if (!Array.isArray(rules)) return ['rules: expected a GEO_RULES list'];
  const parsed = parseGeoRules(JSON.stringify(rules));
  const issues = parsed.issues.map((i) => `rules${i.at}: expected ${i.expected}, got ${i.found}`);
  for (const [i, r] of parsed.rules.entries())
    if (!r.prefix.startsWith(prefix)) issues.push(`rules[${i}].prefix: expected a path under ${prefix}`);
  return issues;
}

/** Manifest policies (MANIFEST_POLICIES format). */
export function manifestPolicyIssues(policies: unknown): string[] {
  if (typeof policies !== 'object' || policies === null || Array.isArray(policies))
    return ['policies: expected a MANIFEST_POLICIES object'];
  const issues: ManifestConfigIssue[] = [];
  parseManifestConfig({ MANIFEST_POLICIES: JSON.stringify(policies) }, issues);
  return issues.map(
    (i) => `${i.key.replace('MANIFEST_POLICIES', 'policies')}: expected ${i.expected}, got ${i.got}`,
  );
}

type Kind =
  | { readonly table: 'geo_rules'; readonly column: 'rules' }
  | { readonly table: 'manifest_policies'; readonly column: 'policies' };

/** Registers /tenants/:tenant/geo-rules, /manifest-policies and /price-table. */
export function configRoutes(api: Hono<ControlHonoEnv>, deps: ControlDeps): void {
  const { db } = deps;
  const perPrefix = (path: string, kind: Kind, check: (value: unknown, prefix: string) => string[]) => {
    api.get(`/tenants/:tenant/${path}`, async (c) => {
      const tenant = tenantParam(c);
      authorize(c, 'config:read', tenant);
      const rows = await db
        .prepare(
          `SELECT prefix, ${kind.column} AS value, updated_at FROM ${kind.table} WHERE tenant_id = ? ORDER BY prefix`,
        )
        .bind(tenant)
        .all<{ prefix: string; value: string; updated_at: number }>();
      return c.json({
        [path]: rows.results.map((r) => ({
          prefix: r.prefix,
          [kind.column]: JSON.parse(r.value),
          updated_at: r.updated_at,
        })),
      });
    });
    api.put(`/tenants/:tenant/${path}`, async (c: ControlContext) => {
      const tenant = tenantParam(c);
      const caller = authorize(c, 'config:write', tenant);
      await requireTenant(deps, tenant);
      const body = await jsonBody(c);
      const prefix = await ownedPrefix(deps, tenant, body.prefix);
      const issues = check(body[kind.column], prefix);
      if (issues.length > 0) throw badRequest(issues);
      const value = JSON.stringify(body[kind.column]);
      await audited(
        deps,
        caller,
        { action: `${path}.put`, tenant, resource: `${path}${prefix}`, detail: body[kind.column] },
        [
          db
            .prepare(
              `INSERT INTO ${kind.table} (tenant_id, prefix, ${kind.column}, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, prefix) DO UPDATE SET ${kind.column} = excluded.${kind.column}, updated_at = excluded.updated_at`,
            )
            .bind(tenant, prefix, value, nowS(deps)),
        ],
      );
      return c.json({ prefix, [kind.column]: body[kind.column] });
    });
    deleteByPrefix(api, deps, path, kind.table);
  };
  perPrefix('geo-rules', { table: 'geo_rules', column: 'rules' }, geoRuleIssues);
  perPrefix('manifest-policies', { table: 'manifest_policies', column: 'policies' }, manifestPolicyIssues);

  api.get('/tenants/:tenant/price-table', async (c) => {
    const tenant = tenantParam(c);
    authorize(c, 'config:read', tenant);
    const row = await db
      .prepare('SELECT price_table FROM price_tables WHERE tenant_id = ?')
      .bind(tenant)
      .first<{ price_table: string }>();
    if (!row) throw notFound(`price table of ${tenant}`);
    return c.json(JSON.parse(row.price_table));
  });

  api.put('/tenants/:tenant/price-table', async (c) => {
    const tenant = tenantParam(c);
    const caller = authorize(c, 'config:write', tenant);
    await requireTenant(deps, tenant);
    const table = validatePriceTable(await jsonBody(c));
    if (!table.ok) throw badRequest(table.error.map(formatPriceTableIssue));
    await audited(
      deps,
      caller,
      { action: 'price-table.put', tenant, resource: 'price-table', detail: { name: table.value.name } },
      [
        db
          .prepare(
            'INSERT INTO price_tables (tenant_id, price_table, updated_at) VALUES (?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET price_table = excluded.price_table, updated_at = excluded.updated_at',
          )
          .bind(tenant, JSON.stringify(table.value), nowS(deps)),
      ],
    );
    return c.json(table.value);
  });
}
